package io.genbus.api;

import static io.genbus.api.Http.chat;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.eventually;
import static io.genbus.api.TestCluster.workerConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The status page, loaded in headless Chromium (Debian's package, which .ci/run installs). */
@DisplayName("the status page in a real browser")
class DashboardBrowserTest {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static TestCluster cluster;
  static ClusterNode apiNode;
  static ClusterNode workerNode;
  static int api;

  @BeforeAll
  static void start() {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "Chromium is not installed (apt-get install chromium)");
    cluster = new TestCluster();
    apiNode = cluster.node();
    api = cluster.api(apiNode, apiConfig("")).port();
    workerNode = cluster.worker(workerConfig("backends:\n  - {type: local, models: [dash-model], concurrency: 3, size: 16}\n"));
    eventually(Duration.ofSeconds(10), "model listed", () -> GatewayClusterTest.modelIds(api).contains("dash-model"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The page's DOM after its script ran for a while, as Chromium renders it. */
  static String renderedDom(String url) throws Exception {
    Path profile = Files.createTempDirectory("genbus-chromium");
    Process chromium = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=4000", "--dump-dom", url)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    byte[] dom = chromium.getInputStream().readAllBytes();
    assertTrue(chromium.waitFor(60, TimeUnit.SECONDS), "Chromium did not finish");
    return new String(dom, StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("shows the models, workers with their slots, nodes and recent jobs, live")
  void rendersTheCluster() throws Exception {
    String jobId = chat(api, Http.chatBody("dash-model", "a cat", false)).json().getString("id").substring("chatcmpl-".length());
    String dom = renderedDom("http://127.0.0.1:" + api + "/");
    assertTrue(dom.contains("<title>genbus"), "the page loaded");
    assertTrue(dom.contains("data-model=\"dash-model\""), "the model is listed: " + dom);
    assertTrue(dom.contains("data-worker=\"" + workerNode.nodeId() + "/0\""), "the worker is listed");
    assertTrue(dom.contains("0/3"), "its slots are shown");
    for (String node : List.of(apiNode.nodeId(), workerNode.nodeId())) {
      assertTrue(dom.contains("data-node=\"" + node + "\""), "node " + node + " is listed");
    }
    assertTrue(dom.contains("data-job=\"" + jobId + "\""), "the finished job is listed");
    assertTrue(dom.contains("class=\"ok\">live"), "the page reports it is live");
    assertEquals(200, Http.get(api, "/dashboard").status());
  }
}

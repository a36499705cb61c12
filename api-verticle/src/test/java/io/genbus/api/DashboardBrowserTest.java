package io.genbus.api;

import static io.genbus.api.Http.chat;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.await;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The status page, loaded in headless Chromium (Debian's package, which .ci/run installs). */
@DisplayName("the status page in a real browser")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
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
    eventually("model listed", () -> GatewayClusterTest.modelIds(api).contains("dash-model"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * The page's DOM after its script ran for a while, as Chromium renders it. Chromium writes it to a file and
   * the file is read once Chromium has exited: a hung browser fails the test at the deadline, never blocks it.
   */
  static String renderedDom(String url) throws Exception {
    Path profile = Files.createTempDirectory("genbus-chromium");
    Path dom = profile.resolve("dom.html");
    Process chromium = chromium(profile, "--virtual-time-budget=4000", "--dump-dom", url)
        .redirectOutput(dom.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      assertTrue(chromium.waitFor(3, TimeUnit.MINUTES), "Chromium did not finish within 3 minutes");
      return Files.readString(dom, StandardCharsets.UTF_8);
    } finally {
      kill(chromium);
      deleteTree(profile);
    }
  }

  /** Headless Chromium, quiet and offline, with its profile in {@code profile}, given {@code args}. */
  static ProcessBuilder chromium(Path profile, String... args) {
    List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile.resolve("user-data")));
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  /**
   * Stops Chromium and every process it started, and waits until they are gone: its helpers write to the
   * profile until they exit.
   */
  static void kill(Process chromium) throws InterruptedException {
    List<ProcessHandle> all = new ArrayList<>(chromium.descendants().toList());
    all.add(chromium.toHandle());
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle process : all) {
      try {
        process.onExit().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("Chromium process " + process.pid() + " did not exit", e);
      }
    }
  }

  static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  @Test
  @Order(1)
  @DisplayName("shows the models, workers with their slots, nodes and recent jobs, live")
  void rendersTheCluster() throws Exception {
    String jobId = chat(api, Http.chatBody("dash-model", "a cat", false)).json().getString("id").substring("chatcmpl-".length());
    // The usage chart reads the cluster's hourly totals, which take the job within a second.
    eventually("the job in the hourly totals",
        () -> Http.get(api, "/v1/status/usage").json().getJsonObject("byModel").containsKey("dash-model"));
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

    // The 15-minute chart, from /v1/status/history: the job is counted, both series are drawn.
    assertTrue(dom.contains("<tr data-history=\"dash-model\" data-ended=\"1\">"), "the history counts the job: " + dom);
    Matcher queue = Pattern.compile("<svg class=\"spark\"[^>]* data-model=\"dash-model\" data-series=\"queue\" data-points=\"(\\d+)\"")
        .matcher(dom);
    assertTrue(queue.find() && Integer.parseInt(queue.group(1)) >= 1, "the queue-depth chart has its steps");
    assertTrue(Pattern.compile("<svg class=\"spark\"[^>]* data-model=\"dash-model\" data-series=\"jobs\" data-points=\"\\d+\" "
        + "data-last=\"[01]\" data-peak=\"1\"").matcher(dom).find(), "the jobs-per-minute chart peaks at the one job");
    assertTrue(Pattern.compile("<polyline class=\"jobs\" points=\"[0-9.]+,[0-9.]+ ").matcher(dom).find(), "its line is drawn");
    // Chart.js sizes its canvases through the DOM (element.style), which the CSP allows; the page's markup has none.
    assertFalse(dom.replaceAll("<canvas[^>]*>", "<canvas>").contains(" style=\""), "no inline style: the CSP forbids it");

    // The usage view (Chart.js, from /v1/status/usage): the job's image drawn as a bar, by model and by tenant.
    for (String chart : List.of("usageByModel", "usageByTenant")) {
      Matcher canvas = Pattern.compile("<canvas id=\"" + chart + "\"[^>]*>").matcher(dom);
      assertTrue(canvas.find(), "the " + chart + " chart is on the page: " + dom);
      String tag = canvas.group();
      assertTrue(tag.contains(chart.equals("usageByModel") ? "data-series=\"dash-model\"" : "data-series=\"default\""), tag);
      assertTrue(tag.contains("data-total=\"1\""), "one image in the last 24 h: " + tag);
      Matcher pixels = Pattern.compile("data-bar-pixels=\"(\\d+)\"").matcher(tag);
      assertTrue(pixels.find() && Integer.parseInt(pixels.group(1)) > 20, "its bar is painted on the canvas: " + tag);
    }
    assertTrue(dom.contains("<tr data-tenant=\"default\" data-images=\"1\">"), "the top tenants list it: " + dom);
  }

  @Test
  @Order(2) // after rendersTheCluster: its jobs would count in that test's usage chart
  @DisplayName("with api.eventBusBridge on, it follows the workers' load over the bridge instead of polling")
  void liveOverTheBridge() throws Exception {
    int bridged = cluster.api(apiNode, apiConfig("eventBusBridge: true")).port();
    // Jobs keep the worker's 3 slots full and free again while the page is open, so that it publishes its load
    // (it does on every change between full and not, besides its heartbeat).
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> load = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread t = new Thread(() -> {
        while (running.get()) {
          chat(bridged, Http.chatBody("dash-model", "a moving cat", false));
        }
      });
      t.start();
      load.add(t);
    }
    try {
      String dom = renderedDom("http://127.0.0.1:" + bridged + "/");
      Matcher body = Pattern.compile("<body[^>]*>").matcher(dom);
      assertTrue(body.find(), dom);
      assertTrue(body.group().contains("data-live=\"bridge\""), "the page follows the bridge: " + body.group());
      assertTrue(dom.contains("data-worker=\"" + workerNode.nodeId() + "/0\""), "and shows the cluster");
      // What the page then receives, read the way it reads it (the raw WebSocket of the bridge): the workers'
      // load, as the worker publishes it. (Chromium's virtual time, which makes the page test quick, runs past
      // messages that come in their own time, so the messages themselves are read here.)
      Promise<JsonObject> received = Promise.promise();
      WebSocket ws = await(apiNode.vertx().createWebSocketClient().connect(bridged, "127.0.0.1", "/eventbus/websocket"));
      ws.handler(frame -> {
        JsonObject msg = frame.toJsonObject();
        if ("rec".equals(msg.getString("type"))) {
          received.tryComplete(msg);
        }
      });
      ws.writeTextMessage(new JsonObject().put("type", "register").put("address", "genbus.workers.load").encode());
      JsonObject notice = received.future().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertEquals("genbus.workers.load", notice.getString("address"));
      assertEquals(workerNode.nodeId() + "/0", notice.getJsonObject("body").getString("workerId"), notice.encode());
      ws.close();
      // The node without the bridge: the page polls.
      assertTrue(renderedDom("http://127.0.0.1:" + api + "/").contains("data-live=\"poll\""), "no bridge: polling");
    } finally {
      running.set(false);
      for (Thread t : load) {
        t.join(60_000);
      }
    }
  }

  @Test
  @DisplayName("is served with a strict Content-Security-Policy, its script and style as files")
  void contentSecurityPolicy() {
    Http.Response page = Http.get(api, "/");
    assertEquals("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'", page.header("Content-Security-Policy"));
    assertEquals("nosniff", page.header("X-Content-Type-Options"));
    assertFalse(page.body().contains("<script>") || page.body().contains("<style>") || page.body().contains("style=\""),
        "nothing inline");
    Http.Response script = Http.get(api, "/dashboard.js");
    assertEquals("text/javascript; charset=utf-8", script.header("Content-Type"));
    assertEquals("nosniff", script.header("X-Content-Type-Options"));
    assertTrue(script.body().contains("/v1/status/history"));
    Http.Response chartJs = Http.get(api, "/dashboard/chart.umd.min.js");
    assertEquals(200, chartJs.status());
    assertEquals("text/javascript; charset=utf-8", chartJs.header("Content-Type"));
    assertTrue(chartJs.body().startsWith("/*!\n * Chart.js v4.5.1"), "vendored Chart.js, its licence header kept");
    assertTrue(chartJs.body().contains("Released under the MIT License"));
    assertTrue(page.body().contains("<script src=\"/dashboard/chart.umd.min.js\" defer></script>"), "served from here, no CDN");
    assertEquals("text/css; charset=utf-8", Http.get(api, "/dashboard.css").header("Content-Type"));
  }
}

package io.genbus.api;

import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.await;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The SockJS event-bus bridge ({@code api.eventBusBridge}) in headless Chromium: a page of another origin
 * submits a job with its key, follows that job to its end, and is refused another key's job.
 */
@DisplayName("event-bus integration: a browser page on the SockJS bridge")
class EventBusBridgeBrowserTest {

  static final String MODEL = "bridge-image";
  static TestCluster cluster;
  static ClusterNode node;
  static int api;
  static int closedApi;

  @BeforeAll
  static void start() {
    Assumptions.assumeTrue(Files.isExecutable(DashboardBrowserTest.CHROMIUM), "Chromium is not installed");
    cluster = new TestCluster();
    String tenants = "tenants:\n  - {name: acme, keys: [sk-acme]}\n  - {name: other, keys: [sk-other]}\n";
    node = cluster.node();
    // connections idle for 2 s are closed, but not the page's WebSocket, which lives longer than that
    api = cluster.api(node, apiConfig("eventBusBridge: true\nlimits: {idleTimeoutSeconds: 2}\n" + tenants)).port();
    closedApi = cluster.api(cluster.node(), apiConfig(tenants)).port();
    cluster.worker(workerConfig("heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [" + MODEL
        + "], concurrency: 2, size: 24, delayMs: 3000}\n"));
    eventually("model served", () -> Http.get(api, "/v1/models", "Authorization", "Bearer sk-acme").body()
        .contains(MODEL));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("off by default: no /eventbus")
  void offByDefault() {
    assertEquals(404, Http.get(closedApi, "/eventbus/info").status());
    assertEquals(200, Http.get(api, "/eventbus/info").status());
  }

  @Test
  @DisplayName("a page follows its own job to the end; another key's job is refused")
  void pageFollowsItsJob() throws Exception {
    Http.Response others = Http.post(api, "/v1/chat/completions", Http.chatBody(MODEL, "not yours", false),
        "Authorization", "Bearer sk-other", "Prefer", "respond-async");
    assertEquals(202, others.status(), others.body());
    String otherJob = others.json().getString("id");

    // The page comes from a server of its own (another origin), which also takes its report.
    Promise<JsonObject> report = Promise.promise();
    byte[] page;
    try (InputStream in = getClass().getResourceAsStream("/bridge/follow.html")) {
      page = in.readAllBytes();
    }
    HttpServer pages = await(node.vertx().createHttpServer().requestHandler(req -> {
      if (req.path().equals("/report")) {
        req.body().onSuccess(body -> {
          report.tryComplete(body.toJsonObject());
          req.response().end();
        });
      } else {
        req.response().putHeader("Content-Type", "text/html; charset=utf-8").end(Buffer.buffer(page));
      }
    }).listen(0, "127.0.0.1"));
    Path profile = Files.createTempDirectory("genbus-chromium");
    Process chromium = DashboardBrowserTest.chromium(profile, "http://127.0.0.1:" + pages.actualPort()
            + "/follow.html?api=" + api + "&key=sk-acme&model=" + MODEL + "&other=" + otherJob)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    JsonObject seen;
    try {
      seen = report.future().toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
    } finally {
      DashboardBrowserTest.kill(chromium);
      await(pages.close());
      DashboardBrowserTest.deleteTree(profile);
    }

    assertNull(seen.getValue("error"), seen.encode());
    assertEquals("queued", seen.getString("submitted"));
    assertEquals(new JsonArray().add(new JsonObject().put("seq", 1).put("type", "image"))
        .add(new JsonObject().put("seq", 2).put("type", "done")), seen.getJsonArray("events"), seen.encode());
    assertTrue(seen.getBoolean("imageIsPng"), seen.encode());
    assertEquals(new JsonArray().add("rejected"), seen.getJsonArray("refusals"),
        "the subscription to another key's job is refused: " + seen.encode());
    assertEquals(404, seen.getInteger("otherEvents"), "and so are its events");
    assertEquals(0, seen.getInteger("foreignNotices"));
  }
}

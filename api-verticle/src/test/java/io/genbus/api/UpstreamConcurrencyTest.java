package io.genbus.api;

import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A real backend runs as many upstream calls at once as the slots it announces: client → API node → worker
 * node (openai-chat, {@code concurrency: 20}) → a fake OpenAI-compatible upstream on loopback that holds every
 * call until the test has seen 20 of them in flight, while {@code /v1/status} (what the status page shows)
 * counts 20 busy slots.
 */
@DisplayName("A backend with concurrency 20")
class UpstreamConcurrencyTest {

  static final String MODEL = "gateway-image";
  static final int SLOTS = 20;

  static TestCluster cluster;
  static Vertx fakeVertx;
  static HttpServer fake;
  static final List<HttpServerRequest> held = new ArrayList<>();
  static final CompletableFuture<Void> allInFlight = new CompletableFuture<>();
  static int inFlight;
  static int maxInFlight;
  static int api;

  @BeforeAll
  static void start() throws Exception {
    fakeVertx = Vertx.vertx();
    fake = fakeVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      held.add(req);
      if (inFlight == SLOTS) {
        allInFlight.complete(null);
      }
    }));
    fake.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    cluster = new TestCluster();
    api = cluster.api(cluster.node(), apiConfig("queue: {buffer: 0}")).port();
    cluster.worker(workerConfig("backends:\n  - {type: openai-chat, models: [" + MODEL + "], concurrency: " + SLOTS
        + ", stream: false, baseUrl: 'http://127.0.0.1:" + fake.actualPort() + "', apiKeys: [k]}\n"));
    eventually("the worker's 20 slots are known",
        () -> model().getInteger("slots", 0) == SLOTS);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
    fakeVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static JsonObject model() {
    return Http.get(api, "/v1/status").json().getJsonObject("models").getJsonObject(MODEL, new JsonObject());
  }

  /** Answers every held call with an image, on the fake's own event loop. */
  static void release() {
    String answer = new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
        .put("message", new JsonObject().put("role", "assistant")
            .put("content", "![x](data:image/png;base64," + Base64.getEncoder().encodeToString(Fixtures.png(8, 8)) + ")"))))
        .encode();
    fakeVertx.runOnContext(v -> {
      held.forEach(req -> {
        inFlight--;
        req.response().putHeader("Content-Type", "application/json").end(answer);
      });
      held.clear();
    });
  }

  @Test
  @DisplayName("20 requests at once: 20 upstream calls in flight together, and /v1/status shows 20 busy slots")
  void twentyAtOnce() throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(SLOTS);
    try {
      List<CompletableFuture<Http.Response>> responses = new ArrayList<>();
      for (int i = 0; i < SLOTS; i++) {
        String body = Http.chatBody(MODEL, "picture " + i, false);
        responses.add(CompletableFuture.supplyAsync(() -> Http.chat(api, body), clients));
      }
      allInFlight.get(30, TimeUnit.SECONDS);

      JsonObject status = model();
      assertEquals(SLOTS, status.getInteger("busySlots"), status.encodePrettily());
      assertEquals(SLOTS, status.getInteger("running"), status.encodePrettily());
      assertEquals(0, status.getInteger("waiting"), status.encodePrettily());
      JsonObject worker = status.getJsonArray("workers").getJsonObject(0);
      assertEquals(SLOTS, worker.getInteger("busy"));
      assertEquals(0, worker.getInteger("free"));

      release();
      for (CompletableFuture<Http.Response> response : responses) {
        Http.Response r = response.get(30, TimeUnit.SECONDS);
        assertEquals(200, r.status(), r.body());
        assertTrue(r.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content")
            .startsWith("![generated](data:image/png;base64,"), r.body());
      }
      CompletableFuture<Integer> most = new CompletableFuture<>();
      fakeVertx.runOnContext(v -> most.complete(maxInFlight));
      assertEquals(SLOTS, most.get(10, TimeUnit.SECONDS));
      eventually("every slot free again", () -> model().getInteger("busySlots") == 0);
    } finally {
      clients.shutdownNow();
    }
  }
}

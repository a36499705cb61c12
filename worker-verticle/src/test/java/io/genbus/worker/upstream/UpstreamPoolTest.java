package io.genbus.worker.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.config.ConfigLoader;
import io.genbus.config.UpstreamSettings;
import io.genbus.worker.Cancellation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A backend runs as many upstream calls at once as its {@code concurrency}: the connection pool is sized to
 * it (Vert.x's default, 5 per host, would hold the rest back inside the client). The fake upstream holds
 * every call until the test has seen them all in flight.
 */
@DisplayName("The upstream connection pool")
class UpstreamPoolTest {

  /** Holds calls until released; counts calls in flight, the most at once, connections and protocol versions. */
  static final class HoldingUpstream implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final HttpServer server;
    final List<HttpServerRequest> held = new ArrayList<>();
    final Set<HttpVersion> versions = ConcurrentHashMap.newKeySet();
    final CompletableFuture<Void> allInFlight = new CompletableFuture<>();
    final int expected;
    int inFlight;
    int maxInFlight;
    int connections;
    boolean released;

    HoldingUpstream(int expected) throws Exception {
      this.expected = expected;
      server = vertx.createHttpServer().connectionHandler(c -> connections++).requestHandler(r -> r.end().onSuccess(v -> {
        versions.add(r.version());
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        if (released) {
          answer(r);
        } else {
          held.add(r);
        }
        if (inFlight >= expected) {
          allInFlight.complete(null);
        }
      }));
      server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    void answer(HttpServerRequest r) {
      inFlight--;
      r.response().putHeader("Content-Type", "application/json").end("{\"ok\":true}");
    }

    void release() {
      vertx.runOnContext(v -> {
        released = true;
        held.forEach(this::answer);
        held.clear();
      });
    }

    /** What the server counted, read on its own event loop. */
    <T> T read(Supplier<T> what) throws Exception {
      CompletableFuture<T> value = new CompletableFuture<>();
      vertx.runOnContext(v -> value.complete(what.get()));
      return value.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  Upstream upstream(int port, String extra) {
    UpstreamSettings settings = (UpstreamSettings) new ConfigLoader(Map.of()).workerFromText("backends:\n  - {type: openai-chat, "
        + "models: [m], baseUrl: 'http://127.0.0.1:" + port + "', apiKeys: [k], concurrency: 20" + extra + "}\n").backends().get(0);
    return new Upstream(vertx, "the test upstream", settings);
  }

  /** {@code n} calls at once, started on the client's own event loop. */
  static List<CompletableFuture<Integer>> calls(Vertx vertx, Upstream upstream, int n) {
    List<CompletableFuture<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      CompletableFuture<Integer> call = new CompletableFuture<>();
      calls.add(call);
      vertx.runOnContext(v -> upstream.call(key -> upstream.exchange(upstream.post("/v1/chat/completions"),
              request -> request.send("{}"), new Cancellation()), Answer::status, new Cancellation())
          .onComplete(ar -> {
            if (ar.succeeded()) {
              call.complete(ar.result());
            } else {
              call.completeExceptionally(ar.cause());
            }
          }));
    }
    return calls;
  }

  /** Waits until the fake holds as many calls as it expects, releases them, and sees every call answered. */
  static void allAnswered(HoldingUpstream fake, List<CompletableFuture<Integer>> calls) throws Exception {
    fake.allInFlight.get(20, TimeUnit.SECONDS);
    fake.release();
    for (CompletableFuture<Integer> call : calls) {
      assertEquals(200, call.get(20, TimeUnit.SECONDS));
    }
  }

  @Test
  @DisplayName("HTTP/1.1, concurrency 20: 20 calls in flight at once, never more (25 made)")
  void http1() throws Exception {
    try (HoldingUpstream fake = new HoldingUpstream(20)) {
      allAnswered(fake, calls(vertx, upstream(fake.server.actualPort(), ""), 25));
      assertEquals(20, fake.read(() -> fake.maxInFlight), "the 5 beyond concurrency waited for a connection");
      assertEquals(Set.of(HttpVersion.HTTP_1_1), fake.versions);
    }
  }

  @Test
  @DisplayName("http2: true on plain http: 20 calls at once over HTTP/2 (h2c), on at most 2 connections")
  void h2c() throws Exception {
    try (HoldingUpstream fake = new HoldingUpstream(20)) {
      allAnswered(fake, calls(vertx, upstream(fake.server.actualPort(), ", http2: true"), 20));
      assertEquals(Set.of(HttpVersion.HTTP_2), fake.versions);
      int connections = fake.read(() -> fake.connections);
      assertTrue(connections <= 2, connections + " connections");
    }
  }
}

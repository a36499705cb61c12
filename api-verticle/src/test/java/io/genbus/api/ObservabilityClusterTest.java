package io.genbus.api;

import static io.genbus.api.Http.chat;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Health, request ids and Prometheus metrics of an API node, over HTTP. */
@DisplayName("observability")
class ObservabilityClusterTest {

  static TestCluster cluster;
  static int api;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    api = cluster.api(cluster.node(), apiConfig("keys: [sk-obs]")).port();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  @DisplayName("live always; ready only once a worker is known; then metrics, ids and slots")
  void lifecycle() {
    Http.Response live = Http.get(api, "/health/live");
    assertEquals(200, live.status());
    assertEquals("UP", live.json().getString("status"));
    Http.Response notReady = Http.get(api, "/health/ready");
    assertEquals(503, notReady.status(), "no worker yet");
    assertEquals("DOWN", notReady.json().getString("status"));

    cluster.worker(workerConfig("backends:\n  - {type: local, models: [obs-model], concurrency: 3, size: 16}\n"));
    eventually("ready", () -> Http.get(api, "/health/ready").status() == 200);

    Http.Response done = chat(api, Http.chatBody("obs-model", "a cat", false), "Authorization", "Bearer sk-obs",
        "x-request-id", "client-chosen-42");
    assertEquals(200, done.status());
    assertEquals("client-chosen-42", done.header("x-request-id"));
    Http.Response generated = chat(api, Http.chatBody("obs-model", "a cat", false), "Authorization", "Bearer sk-obs");
    assertTrue(generated.header("x-request-id").startsWith("req-"), generated.header("x-request-id"));
    Http.Response replaced = Http.get(api, "/health/live", "x-request-id", "bad id with spaces");
    assertNotEquals("bad id with spaces", replaced.header("x-request-id"));
    Http.Response unknown = chat(api, Http.chatBody("nope", "a cat", false), "Authorization", "Bearer sk-obs");
    assertEquals(400, unknown.status());

    eventually("slots exported", () -> Http.get(api, "/metrics").body().contains("genbus_worker_slots{"));
    String metrics = Http.get(api, "/metrics").body(); // no key needed, as Prometheus expects
    assertTrue(metrics.contains("genbus_jobs_total{model=\"obs-model\",outcome=\"done\"} 2.0"), metrics);
    assertTrue(metrics.contains("genbus_queue_wait_seconds_bucket{model=\"obs-model\""), "queue wait histogram");
    assertTrue(metrics.contains("genbus_generation_seconds_count{model=\"obs-model\"} 2"), "generation histogram");
    assertTrue(metrics.contains("genbus_queue_depth{model=\"obs-model\"} 0.0"), "queue depth");
    assertTrue(metrics.matches("(?s).*genbus_worker_slots\\{backend=\"local\",node=\"[^\"]+\",state=\"free\",worker=\"[^\"]+\"} 3\\.0.*"),
        "free slots per worker");
    assertTrue(metrics.contains("vertx_http_server_requests_total"), "Vert.x HTTP metrics");
    assertTrue(metrics.contains("vertx_eventbus_"), "Vert.x event-bus metrics");
  }
}

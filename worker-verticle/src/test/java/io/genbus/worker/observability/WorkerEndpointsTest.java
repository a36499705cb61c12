package io.genbus.worker.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterSeal;
import io.genbus.cluster.Membership;
import io.genbus.config.ConfigLoader;
import io.genbus.config.WorkerConfig;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobEvent;
import io.genbus.protocol.RecordCodec;
import io.genbus.worker.WorkerVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A worker node's own health and metrics endpoints, over real HTTP. */
@DisplayName("The worker's health and metrics endpoints")
class WorkerEndpointsTest {

  private static final String NODE = "endpoints-node";
  private Vertx vertx;
  private WebClient client;
  private WorkerVerticle worker;
  private String deployment;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    RecordCodec.registerAll(vertx.eventBus());
    vertx.eventBus().<JobEvent>consumer("test.events", msg -> msg.reply(null));
    WorkerConfig config = new ConfigLoader(Map.of()).workerFromText("""
        httpPort: 0
        httpHost: 127.0.0.1
        drainSeconds: 10
        backends:
          - {type: local, models: [slow], concurrency: 3, size: 16, delayMs: 1500}
        """);
    worker = new WorkerVerticle(config, NODE);
    deployment = await(vertx.deployVerticle(worker));
    client = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(worker.httpPort(), "127.0.0.1", path).send());
  }

  @Test
  @DisplayName("answer live and ready once announced, count jobs in /metrics, and turn unready while draining")
  void lifecycle() throws Exception {
    assertEquals(200, get("/health/live").statusCode());
    HttpResponse<Buffer> ready = get("/health/ready");
    assertEquals(200, ready.statusCode(), ready.bodyAsString());
    assertEquals(new JsonObject().put("status", "UP").put("running", 0).put("slots", 3), ready.bodyAsJsonObject());

    await(vertx.eventBus().request(Addresses.model("slow", NODE + "/0"),
        new Job("j1", "slow", "a cat", null, "test.events", System.currentTimeMillis(), List.of())));
    String metrics = get("/metrics").bodyAsString();
    assertTrue(metrics.contains("genbus_worker_running{node=\"" + NODE + "\"} 1.0"), metrics);
    assertTrue(metrics.contains("genbus_worker_capacity{node=\"" + NODE + "\"} 3.0"), metrics);
    assertTrue(metrics.contains("genbus_worker_jobs_total{node=\"" + NODE + "\",outcome=\"completed\"} 0.0"), metrics);

    // SIGTERM undeploys the verticle: while the running job finishes, a probe must see it as not ready.
    Future<Void> undeployed = vertx.undeploy(deployment);
    HttpResponse<Buffer> draining = get("/health/ready");
    assertEquals(503, draining.statusCode());
    assertEquals("draining", draining.bodyAsJsonObject().getString("reason"));
    await(undeployed);
  }

  @Test
  @DisplayName("a worker whose endpoints cannot listen fails to start and is never listed")
  void portTaken() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // taken by someone else (within one Vert.x instance a second server on a port would share it)
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      WorkerConfig config = new ConfigLoader(Map.of()).workerFromText("""
          httpPort: %d
          httpHost: 127.0.0.1
          backends:
            - {type: local, models: [other], concurrency: 1, size: 16, delayMs: 0}
          """.formatted(taken.getLocalPort()));
      WorkerVerticle second = new WorkerVerticle(config, "second-node", Membership.alone("second-node"), registry,
          ClusterSeal.plain(registry));
      Throwable failure = vertx.deployVerticle(second).toCompletionStage().toCompletableFuture()
          .handle((id, err) -> err).get(20, TimeUnit.SECONDS);
      assertNotNull(failure, "the deployment should fail");
    }
    List<String> listed = List.copyOf(await(vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.WORKERS_MAP)
        .compose(m -> m.keys())));
    assertTrue(listed.stream().noneMatch(id -> id.startsWith("second-node")), listed.toString());
    assertTrue(registry.find("genbus.worker.running").meters().isEmpty(), "no meters left behind");
  }

  @Test
  @DisplayName("count finished jobs by outcome")
  void counts() throws Exception {
    await(vertx.eventBus().request(Addresses.model("slow", NODE + "/0"),
        new Job("j2", "slow", "a cat", null, "test.events", System.currentTimeMillis(), List.of())));
    long deadline = System.currentTimeMillis() + 10_000;
    String metrics = "";
    while (System.currentTimeMillis() < deadline
        && !(metrics = get("/metrics").bodyAsString()).contains("outcome=\"completed\"} 1.0")) {
      Thread.sleep(100);
    }
    assertTrue(metrics.contains("genbus_worker_jobs_total{node=\"" + NODE + "\",outcome=\"completed\"} 1.0"), metrics);
    assertTrue(metrics.contains("genbus_worker_running{node=\"" + NODE + "\"} 0.0"), metrics);
  }
}

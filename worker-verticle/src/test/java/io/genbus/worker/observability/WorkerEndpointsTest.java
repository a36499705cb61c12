package io.genbus.worker.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import io.genbus.protocol.WorkerLoad;
import io.genbus.worker.Gate;
import io.genbus.worker.WorkerVerticle;
import io.genbus.worker.Workers;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A worker node's own health and metrics endpoints, over real HTTP. Its jobs wait at a {@link Gate}, so a
 * job is running exactly as long as the test wants it to.
 */
@DisplayName("The worker's health and metrics endpoints")
@ExtendWith(VertxExtension.class)
class WorkerEndpointsTest {

  private static final String NODE = "endpoints-node";
  private static final String EVENTS = "test.events";
  private final Gate gate = new Gate();
  private final Promise<JobEvent> done = Promise.promise();
  private Vertx vertx;
  private WebClient client;
  private WorkerVerticle worker;
  private String deployment;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    RecordCodec.registerAll(vertx.eventBus());
    vertx.eventBus().<JobEvent>consumer(EVENTS, msg -> {
      if (msg.body().type() == JobEvent.Type.DONE) {
        done.tryComplete(msg.body());
      }
      msg.reply(null);
    });
    WorkerConfig config = new ConfigLoader(Map.of()).workerFromText("""
        httpPort: 0
        httpHost: 127.0.0.1
        drainSeconds: 10
        backends:
          - {type: local, models: [slow], concurrency: 3, size: 16, delayMs: 0}
        """);
    worker = Workers.alone(config, NODE, gate.everyBackend());
    client = WebClient.create(vertx);
    vertx.deployVerticle(worker).onComplete(ctx.succeeding(id -> {
      deployment = id;
      ctx.completeNow();
    }));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return await(client.get(worker.httpPort(), "127.0.0.1", path).send());
  }

  private void submit(String id) throws Exception {
    await(vertx.eventBus().request(Addresses.model("slow", NODE + "/0"),
        new Job(id, "slow", "a cat", null, EVENTS, System.currentTimeMillis(), List.of())));
  }

  @Test
  @DisplayName("answer live and ready once announced, count jobs in /metrics, and turn unready while draining")
  void lifecycle() throws Exception {
    assertEquals(200, get("/health/live").statusCode());
    HttpResponse<Buffer> ready = get("/health/ready");
    assertEquals(200, ready.statusCode(), ready.bodyAsString());
    assertEquals(new JsonObject().put("status", "UP").put("running", 0).put("slots", 3), ready.bodyAsJsonObject());

    submit("j1");
    Gate.Held running = await(gate.next());
    String metrics = get("/metrics").bodyAsString();
    assertTrue(metrics.contains("genbus_worker_running{node=\"" + NODE + "\"} 1.0"), metrics);
    assertTrue(metrics.contains("genbus_worker_capacity{node=\"" + NODE + "\"} 3.0"), metrics);
    assertTrue(metrics.contains("genbus_worker_jobs_total{node=\"" + NODE + "\",outcome=\"completed\"} 0.0"), metrics);

    // SIGTERM undeploys the verticle: while the running job finishes, a probe must see it as not ready.
    // Undeploying only starts the stop; the node's load report saying it drains is the sign it has begun.
    Promise<Void> draining = Promise.promise();
    vertx.eventBus().<WorkerLoad>consumer(Addresses.WORKERS_LOAD, msg -> {
      if (msg.body().draining()) {
        draining.tryComplete();
      }
    });
    Future<Void> undeployed = vertx.undeploy(deployment);
    await(draining.future());
    HttpResponse<Buffer> drainingProbe = get("/health/ready");
    assertEquals(503, drainingProbe.statusCode(), drainingProbe.bodyAsString());
    assertEquals("draining", drainingProbe.bodyAsJsonObject().getString("reason"));
    assertFalse(undeployed.isComplete(), "stopped before its running job finished");
    running.release();
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
      Throwable failure = await(vertx.deployVerticle(second).transform(ar -> Future.succeededFuture(ar.cause())));
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
    submit("j2");
    await(gate.next()).release();
    await(done.future()); // sent once the job has been counted and has left its slot
    String metrics = get("/metrics").bodyAsString();
    assertTrue(metrics.contains("genbus_worker_jobs_total{node=\"" + NODE + "\",outcome=\"completed\"} 1.0"), metrics);
    assertTrue(metrics.contains("genbus_worker_running{node=\"" + NODE + "\"} 0.0"), metrics);
  }
}

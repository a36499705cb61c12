package io.genbus.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterSeal;
import io.genbus.cluster.Membership;
import io.genbus.config.BackendConfig;
import io.genbus.config.ConfigLoader;
import io.genbus.config.WorkerConfig;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.CancelJob;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobEvent;
import io.genbus.protocol.RecordCodec;
import io.genbus.protocol.StatusRequest;
import io.genbus.protocol.WorkerStats;
import io.genbus.worker.local.LocalRenderer;
import io.genbus.worker.upstream.LinkHost;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * No job hangs on a backend bug, and every way a job ends gives its slot back: a worker node with one slot,
 * over a real (local) event bus, in front of upstreams that misbehave. A second job accepted on the same
 * single slot is the proof that the first one's slot came back.
 */
@DisplayName("A backend that fails")
class BackendFailuresTest {

  private static final String NODE = "failing-node";
  private static final String REPLY = "test.failures.events";
  private Vertx vertx;
  private LinkHost upstream;
  private final BlockingQueue<JobEvent> events = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    RecordCodec.registerAll(vertx.eventBus());
    vertx.eventBus().<JobEvent>consumer(REPLY, msg -> {
      events.add(msg.body());
      msg.reply(null);
    });
    upstream = new LinkHost("127.0.0.1");
  }

  @AfterEach
  void stop() throws Exception {
    upstream.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private void deploy(BiFunction<Vertx, BackendConfig, Generator> generators, String backend) throws Exception {
    WorkerConfig config = new ConfigLoader(Map.of()).workerFromText("heartbeatSeconds: 60\nbackends:\n  - " + backend + "\n");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    await(vertx.deployVerticle(new WorkerVerticle(config, NODE, Membership.alone(NODE), registry,
        ClusterSeal.plain(registry), generators)));
  }

  /** An openai-chat backend with one slot in front of the fake upstream. */
  private void deployChat(String extra) throws Exception {
    deploy(Generators::create, "{type: openai-chat, models: [m], concurrency: 1, stream: false, timeoutSeconds: 600, "
        + "baseUrl: 'http://127.0.0.1:" + upstream.port() + "', apiKeys: [k]" + extra + "}");
  }

  private void submit(String id) throws Exception {
    await(vertx.eventBus().request(Addresses.model("m", NODE + "/0"),
        new Job(id, "m", "a cat", 1L, REPLY, System.currentTimeMillis(), List.of())));
  }

  private JobEvent terminal(String id) throws InterruptedException {
    while (true) {
      JobEvent event = events.poll(20, TimeUnit.SECONDS);
      assertNotNull(event, "no event within 20 s");
      if (event.jobId().equals(id) && event.terminal()) {
        return event;
      }
    }
  }

  private WorkerStats stats() throws Exception {
    return await(vertx.eventBus().<WorkerStats>request(Addresses.workerControl(NODE), new StatusRequest())).body();
  }

  private static void answers(LinkHost host, String content) {
    String body = new JsonObject().put("choices", new JsonArray().add(new JsonObject()
        .put("message", new JsonObject().put("role", "assistant").put("content", content)))).encode();
    host.route("/v1/chat/completions", LinkHost.bytes("application/json", body.getBytes()));
  }

  @Test
  @DisplayName("a generate() that throws ends its job with an error and frees its slot")
  void throwsSynchronously() throws Exception {
    deploy((v, backend) -> (request, cancellation) -> {
      throw new IllegalStateException("a bug in the backend");
    }, "{type: local, models: [m], concurrency: 1}");
    submit("first");
    JobEvent first = terminal("first");
    assertEquals(JobEvent.Type.ERROR, first.type());
    assertEquals(ErrorCode.GENERATION_FAILED.code(), first.error().code());
    submit("second"); // accepted: the one slot is free again
    assertEquals(JobEvent.Type.ERROR, terminal("second").type());
    assertEquals(0, stats().running());
  }

  @Test
  @DisplayName("an answer of the wrong shape ({\"choices\":[]}) ends the job with upstream_error and frees its slot")
  void emptyChoices() throws Exception {
    upstream.route("/v1/chat/completions", LinkHost.bytes("application/json", "{\"choices\":[]}".getBytes()));
    deployChat("");
    submit("empty");
    JobEvent event = terminal("empty");
    assertEquals(ErrorCode.UPSTREAM_ERROR.code(), event.error().code());
    assertEquals(0, stats().running());
  }

  @Test
  @DisplayName("a cancelled job resets its upstream call and frees its slot")
  void cancelled() throws Exception {
    upstream.route("/v1/chat/completions", r -> { }); // never answers
    deployChat("");
    submit("slow");
    upstream.requested().get(20, TimeUnit.SECONDS);
    Boolean found = await(vertx.eventBus().<Boolean>request(Addresses.workerControl(NODE),
        new CancelJob("slow", "client disconnected"))).body();
    assertTrue(found);
    upstream.connectionClosed().get(20, TimeUnit.SECONDS);
    answers(upstream, "![x](data:image/png;base64," + Base64.getEncoder().encodeToString(LocalRenderer.renderPng("ok", 0, 8)) + ")");
    submit("next"); // the slot is free again
    assertEquals(JobEvent.Type.DONE, terminal("next").type());
  }

  @Test
  @DisplayName("a slow-drip image link frees the slot at the download deadline")
  void slowDrip() throws Exception {
    try (LinkHost images = new LinkHost("127.0.0.2")) {
      images.route("/drip.png", images.drip());
      answers(upstream, "![x](" + images.url("/drip.png") + ")");
      deployChat(", downloads: {allowHttp: true, allow: [127.0.0.2], timeoutSeconds: 1}");
      submit("drip");
      JobEvent event = terminal("drip");
      assertEquals(ErrorCode.UPSTREAM_ERROR.code(), event.error().code());
      assertEquals(0, stats().running());
      images.connectionClosed().get(20, TimeUnit.SECONDS);
    }
  }
}

package io.genbus.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterSeal;
import io.genbus.cluster.Membership;
import io.genbus.config.ConfigLoader;
import io.genbus.config.WorkerConfig;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.CancelJob;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.InputImage;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobAccepted;
import io.genbus.protocol.JobEvent;
import io.genbus.protocol.RecordCodec;
import io.genbus.protocol.StatusRequest;
import io.genbus.protocol.WorkerLoad;
import io.genbus.protocol.WorkerStats;
import io.vertx.core.eventbus.ReplyException;
import java.util.List;
import java.util.Map;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import java.io.ByteArrayInputStream;
import java.awt.image.BufferedImage;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The worker verticle over a real (local) event bus: what an API verticle would see. */
@DisplayName("The worker verticle")
class WorkerVerticleTest {

  private static final String NODE = "test-node";
  private static final String REPLY = "test.api.events";
  private Vertx vertx;
  private final BlockingQueue<JobEvent> events = new LinkedBlockingQueue<>();
  private final BlockingQueue<WorkerLoad> loads = new LinkedBlockingQueue<>();
  private String deployment;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    RecordCodec.registerAll(vertx.eventBus());
    vertx.eventBus().<JobEvent>consumer(REPLY, msg -> {
      events.add(msg.body());
      msg.reply(null);
    });
    vertx.eventBus().<WorkerLoad>consumer(Addresses.WORKERS_LOAD, msg -> loads.add(msg.body()));
    WorkerConfig config = new ConfigLoader(Map.of()).workerFromText("""
        heartbeatSeconds: 1
        jobTimeoutSeconds: 2
        drainSeconds: 5
        backends:
          - {type: local, models: [fast], concurrency: 1, size: 32, delayMs: 0}
          - {type: local, models: [slow], concurrency: 1, size: 32, delayMs: 400}
          - {type: local, models: [glacial], concurrency: 1, size: 32, delayMs: 3000}
        """);
    deployment = await(vertx.deployVerticle(new WorkerVerticle(config, NODE)));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static String workerOf(String model) {
    return NODE + "/" + switch (model) {
      case "fast" -> 0;
      case "slow" -> 1;
      default -> 2;
    };
  }

  private Future<JobAccepted> send(String id, String model, String replyTo) {
    Job job = new Job(id, model, "a cat", 1L, replyTo, System.currentTimeMillis(), List.of());
    return vertx.eventBus().<JobAccepted>request(Addresses.model(model, workerOf(model)), job).map(m -> m.body());
  }

  private JobAccepted submit(String id, String model, String replyTo) throws Exception {
    return await(send(id, model, replyTo));
  }

  private JobEvent next() throws InterruptedException {
    JobEvent event = events.poll(10, TimeUnit.SECONDS);
    assertNotNull(event, "no event within 10 s");
    return event;
  }

  private JobEvent nextOf(String jobId, JobEvent.Type type) throws InterruptedException {
    while (true) {
      JobEvent event = next();
      if (event.jobId().equals(jobId) && event.type() == type) {
        return event;
      }
    }
  }

  private WorkerStats stats() throws Exception {
    return await(vertx.eventBus().<WorkerStats>request(Addresses.workerControl(NODE), new StatusRequest())).body();
  }

  @Test
  @DisplayName("stops a streaming job at once when its text cannot be written (no handler at replyTo)")
  void unwritableText() throws Exception {
    // A backend that streams a piece of text and then waits until it is cancelled.
    StreamingGenerator streaming = (request, cancellation, text) -> {
      Promise<GenerationResult> result = Promise.promise();
      cancellation.onCancel(() -> result.tryFail(GenerationException.cancelled()));
      text.accept("hello");
      return result.future();
    };
    WorkerConfig config = new ConfigLoader(Map.of()).workerFromText("""
        heartbeatSeconds: 60
        backends:
          - {type: local, models: [streamer], concurrency: 1}
        """);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    await(vertx.deployVerticle(new WorkerVerticle(config, "stream-node", Membership.alone("stream-node"),
        registry, ClusterSeal.plain(registry), (v, backend) -> streaming)));
    Job job = new Job("unheard", "streamer", "a cat", 1L, "test.nobody." + UUID.randomUUID(), System.currentTimeMillis(), List.of());
    await(vertx.eventBus().request(Addresses.model("streamer", "stream-node/0"), job));
    long deadline = System.currentTimeMillis() + 5000; // well before the 60 s heartbeat could notice
    WorkerStats stats;
    do {
      Thread.sleep(20);
      stats = await(vertx.eventBus().<WorkerStats>request(Addresses.workerControl("stream-node"), new StatusRequest())).body();
    } while (stats.cancelled() == 0 && System.currentTimeMillis() < deadline);
    assertEquals(1, stats.cancelled());
    assertEquals(0, stats.running());
  }

  @Test
  @DisplayName("sends every image but the last as IMAGE, the last on DONE, in order")
  void severalImages() throws Exception {
    List<InputImage> inputs = new java.util.ArrayList<>();
    for (int width : new int[] {20, 24, 28}) {
      BufferedImage image = new BufferedImage(width, 10, BufferedImage.TYPE_INT_RGB);
      java.io.ByteArrayOutputStream jpeg = new java.io.ByteArrayOutputStream();
      ImageIO.write(image, "jpeg", jpeg);
      inputs.add(new InputImage("image/jpeg", jpeg.toByteArray(), width, 10));
    }
    Job job = new Job("edits", "fast", "mirror", 1L, REPLY, System.currentTimeMillis(), inputs);
    await(vertx.eventBus().request(Addresses.model("fast", workerOf("fast")), job));
    int[] widths = new int[3];
    JobEvent.Type[] types = new JobEvent.Type[3];
    for (int i = 0; i < 3; i++) {
      JobEvent event = next();
      types[i] = event.type();
      widths[i] = ImageIO.read(new ByteArrayInputStream(event.data())).getWidth();
    }
    assertEquals(List.of(JobEvent.Type.IMAGE, JobEvent.Type.IMAGE, JobEvent.Type.DONE), List.of(types));
    assertEquals(List.of(20, 24, 28), java.util.Arrays.stream(widths).boxed().toList());
  }

  @Test
  @DisplayName("accepts a job, then sends DONE carrying its one image")
  void runsAJob() throws Exception {
    JobAccepted accepted = submit("j1", "fast", REPLY);
    assertEquals(Addresses.workerControl(NODE), accepted.controlAddress());
    assertEquals(workerOf("fast"), accepted.workerId());
    JobEvent done = next();
    assertEquals(JobEvent.Type.DONE, done.type());
    assertEquals("image/png", done.mimeType());
    BufferedImage png = ImageIO.read(new ByteArrayInputStream(done.data()));
    assertEquals(32, png.getWidth());
    assertNull(events.poll(300, TimeUnit.MILLISECONDS), "nothing after DONE");
    assertEquals(1, stats().completed());
  }

  @Test
  @DisplayName("refuses a job when its slots are full (worker_busy) and publishes its load")
  void slots() throws Exception {
    submit("a", "slow", REPLY);
    ReplyException busy = assertThrows(ReplyException.class, () -> {
      try {
        submit("b", "slow", REPLY);
      } catch (java.util.concurrent.ExecutionException e) {
        throw e.getCause();
      }
    });
    assertEquals(ErrorCode.WORKER_BUSY.status(), busy.failureCode());
    assertEquals(ErrorCode.WORKER_BUSY.code(), busy.getMessage());
    WorkerStats stats = stats();
    assertEquals(1, stats.running());
    assertEquals(3, stats.slots());
    nextOf("a", JobEvent.Type.DONE);
    assertNotNull(submit("c", "slow", REPLY));
    nextOf("c", JobEvent.Type.DONE);
    assertFalse(stats().overbooked());
    WorkerLoad first = loads.poll(5, TimeUnit.SECONDS);
    assertNotNull(first);
    assertEquals(workerOf("slow"), first.workerId());
    assertEquals(1, first.busy());
    assertEquals(1, first.concurrency());
  }

  @Test
  @DisplayName("a cancel stops a running job and frees its slot; no DONE follows")
  void cancelRunning() throws Exception {
    submit("r", "slow", REPLY);
    assertEquals(1, stats().running());
    Boolean found = await(vertx.eventBus().<Boolean>request(Addresses.workerControl(NODE),
        new CancelJob("r", "client disconnected"))).body();
    assertTrue(found);
    WorkerStats stats = stats();
    assertEquals(0, stats.running());
    assertEquals(1, stats.cancelled());
    submit("after", "slow", REPLY); // the freed slot takes the next job at once
    nextOf("after", JobEvent.Type.DONE);
    assertTrue(events.stream().noneMatch(e -> e.jobId().equals("r") && e.terminal()));
  }

  @Test
  @DisplayName("a job over jobTimeoutSeconds ends with job_timeout and frees its slot")
  void jobTimeout() throws Exception {
    long start = System.nanoTime();
    submit("long", "glacial", REPLY);
    JobEvent error = nextOf("long", JobEvent.Type.ERROR);
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals(ErrorCode.JOB_TIMEOUT.code(), error.error().code());
    assertFalse(error.error().retryable());
    assertTrue(ms >= 1900 && ms < 3000, "timed out after " + ms + " ms");
    assertEquals(0, stats().running());
    submit("next", "glacial", REPLY);
  }

  @Test
  @DisplayName("stopping drains: the running job finishes, new jobs are refused")
  void drain() throws Exception {
    submit("last", "slow", REPLY);
    Future<Void> undeployed = vertx.undeploy(deployment);
    long deadline = System.currentTimeMillis() + 5000;
    while (!stats().draining() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(stats().draining());
    assertThrows(Exception.class, () -> submit("late", "fast", REPLY));
    nextOf("last", JobEvent.Type.DONE);
    await(undeployed);
  }

  @Test
  @DisplayName("stops a job whose API verticle is gone (no handler for its events)")
  void apiGone() throws Exception {
    submit("orphan", "glacial", "nobody.listens.here"); // its first heartbeat finds no handler
    long deadline = System.currentTimeMillis() + 5000;
    while (stats().cancelled() == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(1, stats().cancelled());
    assertEquals(0, stats().running());
  }

  @Test
  @DisplayName("stops a job its API verticle no longer knows (it answers unknown_job)")
  void unknownJob() throws Exception {
    String forgetful = "test.forgetful." + UUID.randomUUID();
    vertx.eventBus().<JobEvent>consumer(forgetful,
        (Message<JobEvent> msg) -> msg.fail(ErrorCode.UNKNOWN_JOB.status(), ErrorCode.UNKNOWN_JOB.code()));
    submit("forgotten", "glacial", forgetful);
    long deadline = System.currentTimeMillis() + 5000;
    while (stats().cancelled() == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(1, stats().cancelled());
    assertNull(events.poll());
  }
}

package io.genbus.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import io.genbus.protocol.JobMoved;
import io.genbus.protocol.JobQuery;
import io.genbus.protocol.RecordCodec;
import io.genbus.protocol.StatusRequest;
import io.genbus.protocol.WorkerLoad;
import io.genbus.protocol.WorkerStats;
import io.genbus.worker.local.LocalRenderer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The worker verticle over a real (local) event bus: what an API verticle would see. Jobs of the {@code held}
 * model wait at a {@link Gate} until the test releases them, so no test depends on how long a job takes.
 */
@DisplayName("The worker verticle")
@ExtendWith(VertxExtension.class)
class WorkerVerticleTest {

  private static final String NODE = "test-node";
  private static final String REPLY = "test.api.events";
  private Vertx vertx;
  private final Gate gate = new Gate();
  private final BlockingQueue<JobEvent> events = new LinkedBlockingQueue<>();
  private final BlockingQueue<WorkerLoad> loads = new LinkedBlockingQueue<>();
  private String deployment;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    RecordCodec.registerAll(vertx.eventBus());
    vertx.eventBus().<JobEvent>consumer(REPLY, msg -> {
      events.add(msg.body());
      msg.reply(null);
    });
    vertx.eventBus().<WorkerLoad>consumer(Addresses.WORKERS_LOAD, msg -> loads.add(msg.body()));
    // No time limit here: a held job ends when the test says (the limit has a test and a node of its own).
    WorkerConfig config = new ConfigLoader(Map.of()).workerFromText("""
        heartbeatSeconds: 1
        jobTimeoutSeconds: 0
        drainSeconds: 5
        backends:
          - {type: local, models: [fast], concurrency: 1, size: 32, delayMs: 0}
          - {type: local, models: [held], concurrency: 1, size: 32, delayMs: 0}
        """);
    WorkerVerticle worker = Workers.alone(config, NODE, (v, backend) -> backend.models().contains("held")
        ? gate.before(Generators.create(v, backend)) : Generators.create(v, backend));
    vertx.deployVerticle(worker).onComplete(ctx.succeeding(id -> {
      deployment = id;
      ctx.completeNow();
    }));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** How {@code future} failed: a worker refuses a job with a {@link ReplyException} naming the error code. */
  private static ReplyException refusal(Future<?> future) throws Exception {
    Throwable cause = await(future.transform(ar -> Future.succeededFuture(ar.cause())));
    return assertInstanceOf(ReplyException.class, cause, "the job was not refused");
  }

  private static String workerOf(String model) {
    return NODE + "/" + (model.equals("fast") ? 0 : 1);
  }

  private Future<JobAccepted> send(String id, String model, String replyTo) {
    Job job = new Job(id, model, "a cat", 1L, replyTo, System.currentTimeMillis(), List.of());
    return vertx.eventBus().<JobAccepted>request(Addresses.model(model, workerOf(model)), job).map(Message::body);
  }

  private JobAccepted submit(String id, String model, String replyTo) throws Exception {
    return await(send(id, model, replyTo));
  }

  private JobEvent next() throws InterruptedException {
    JobEvent event = events.poll(20, TimeUnit.SECONDS);
    assertNotNull(event, "no event within 20 s");
    return event;
  }

  /** The next event that is not a heartbeat: a job that takes longer than heartbeatSeconds sends PROGRESS too. */
  private JobEvent nextContent() throws InterruptedException {
    while (true) {
      JobEvent event = next();
      if (event.type() != JobEvent.Type.PROGRESS) {
        return event;
      }
    }
  }

  private JobEvent nextOf(String jobId, JobEvent.Type type) throws InterruptedException {
    while (true) {
      JobEvent event = next();
      if (event.jobId().equals(jobId) && event.type() == type) {
        return event;
      }
    }
  }

  /** The next load report that {@code wanted} accepts (heartbeats publish every backend's load besides). */
  private WorkerLoad nextLoad(Predicate<WorkerLoad> wanted) throws InterruptedException {
    while (true) {
      WorkerLoad load = loads.poll(20, TimeUnit.SECONDS);
      assertNotNull(load, "no such load report within 20 s");
      if (wanted.test(load)) {
        return load;
      }
    }
  }

  private WorkerStats stats() throws Exception {
    return stats(NODE);
  }

  private WorkerStats stats(String node) throws Exception {
    return await(vertx.eventBus().<WorkerStats>request(Addresses.workerControl(node), new StatusRequest())).body();
  }

  @Test
  @DisplayName("a durable job whose API node is gone runs on and waits; JobQuery finds it, changing nothing; JobMoved sends its result to the adopter, once")
  void durableJobAdopted() throws Exception {
    // owned by an API node that is gone (no handler at replyTo): the job is not stopped
    Job job = new Job("durable-1", "fast", "a cat", 1L, "test.gone." + UUID.randomUUID(), System.currentTimeMillis(),
        List.of(), 10_000);
    await(vertx.eventBus().request(Addresses.model("fast", workerOf("fast")), job));
    waitUntil(() -> stats().completed() == 1); // finished while nobody owned it
    assertEquals(0, stats().running(), "a finished job holds no slot while it waits");
    assertEquals(0, stats().cancelled());

    // an adopter that finds no worker in the record asks: this node's backend has it
    assertEquals(workerOf("fast"), await(vertx.eventBus().request(Addresses.workerControl(NODE),
        new JobQuery("durable-1"))).body());
    assertEquals("", await(vertx.eventBus().request(Addresses.workerControl(NODE),
        new JobQuery("not-here"))).body());

    String adopter = "test.adopter." + UUID.randomUUID();
    BlockingQueue<JobEvent> adopted = new LinkedBlockingQueue<>();
    await(vertx.eventBus().<JobEvent>consumer(adopter, msg -> {
      adopted.add(msg.body());
      msg.reply(null); // the final event is acknowledged once stored
    }).completion());
    assertEquals(true, await(vertx.eventBus().request(Addresses.workerControl(NODE),
        new JobMoved("durable-1", adopter))).body());
    JobEvent done = adopted.poll(10, TimeUnit.SECONDS);
    assertNotNull(done);
    assertEquals(JobEvent.Type.DONE, done.type());
    assertEquals(1, done.seq());
    assertNotNull(done.data(), "the image rides on DONE");
    // acknowledged: nothing of it is left to move
    waitUntil(() -> !(Boolean) await(vertx.eventBus().request(Addresses.workerControl(NODE),
        new JobMoved("durable-1", adopter))).body());
    assertEquals("", await(vertx.eventBus().request(Addresses.workerControl(NODE), new JobQuery("durable-1"))).body());
    assertEquals(0, stats().cancelled());
  }

  @Test
  @DisplayName("a durable job nobody adopts within its grace is stopped")
  void durableJobNotAdopted() throws Exception {
    // a backend that runs until it is cancelled: only the end of the grace can stop it
    Generator endless = (request, cancellation) -> {
      Promise<GenerationResult> result = Promise.promise();
      cancellation.onCancel(() -> result.tryFail(GenerationException.cancelled()));
      return result.future();
    };
    WorkerConfig config = new ConfigLoader(Map.of()).workerFromText("""
        heartbeatSeconds: 1
        backends:
          - {type: local, models: [endless], concurrency: 1}
        """);
    await(vertx.deployVerticle(Workers.alone(config, "endless-node", (v, backend) -> endless)));
    Job job = new Job("durable-2", "endless", "a cat", 1L, "test.gone." + UUID.randomUUID(), System.currentTimeMillis(),
        List.of(), 500);
    await(vertx.eventBus().request(Addresses.model("endless", "endless-node/0"), job));
    waitUntil(() -> stats("endless-node").cancelled() == 1);
    assertEquals(0, stats("endless-node").running());
  }

  /** Polls {@code condition} until it holds (at most 15 s): for what a worker does by itself. */
  private static void waitUntil(Check condition) throws Exception {
    long deadline = System.currentTimeMillis() + 15_000;
    while (!condition.holds()) {
      assertTrue(System.currentTimeMillis() < deadline, "not within 15 s");
      Thread.sleep(20);
    }
  }

  @FunctionalInterface
  private interface Check {
    boolean holds() throws Exception;
  }

  private boolean cancel(String jobId) throws Exception {
    return await(vertx.eventBus().<Boolean>request(Addresses.workerControl(NODE), new CancelJob(jobId, "client disconnected"))).body();
  }

  @Nested
  @DisplayName("running a job")
  class Running {

    @Test
    @DisplayName("accepts a job, then sends DONE carrying its one image, and nothing after it")
    void runsAJob() throws Exception {
      JobAccepted accepted = submit("j1", "fast", REPLY);
      assertEquals(Addresses.workerControl(NODE), accepted.controlAddress());
      assertEquals(workerOf("fast"), accepted.workerId());
      JobEvent done = nextContent();
      assertEquals("j1", done.jobId());
      assertEquals(JobEvent.Type.DONE, done.type());
      assertEquals("image/png", done.mimeType());
      BufferedImage png = ImageIO.read(new ByteArrayInputStream(done.data()));
      assertEquals(32, png.getWidth());
      // Nothing can follow DONE: the worker has let go of the job (no heartbeat or time limit reaches it),
      // and the next event on the same address is the next job's.
      assertFalse(cancel("j1"), "the worker still holds j1 after its DONE");
      submit("j2", "fast", REPLY);
      JobEvent after = next();
      while (after.jobId().equals("j2") && after.type() == JobEvent.Type.PROGRESS) {
        after = next();
      }
      assertEquals("j2", after.jobId(), "an event of j1 came after its DONE: " + after);
      assertEquals(JobEvent.Type.DONE, after.type());
      assertEquals(2, stats().completed());
    }

    private List<InputImage> jpegs(int... widths) throws Exception {
      List<InputImage> inputs = new ArrayList<>();
      for (int width : widths) {
        BufferedImage image = new BufferedImage(width, 10, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(image, "jpeg", jpeg);
        inputs.add(new InputImage("image/jpeg", jpeg.toByteArray(), width, 10));
      }
      return inputs;
    }

    @Test
    @DisplayName("sends every image but the last as IMAGE, the last on DONE, in order")
    void severalImages() throws Exception {
      // A backend that answers with its inputs as they are: three images.
      WorkerConfig config = new ConfigLoader(Map.of()).workerFromText("backends:\n  - {type: local, models: [echo]}\n");
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      await(vertx.deployVerticle(new WorkerVerticle(config, "echo-node", Membership.alone("echo-node"), registry,
          ClusterSeal.plain(registry), (v, backend) -> (request, cancellation) ->
          Future.succeededFuture(new GenerationResult(null, request.images().stream()
              .map(i -> new GenerationResult.GeneratedImage(i.mimeType(), i.data())).toList())))));
      Job job = new Job("edits", "echo", "mirror", 1L, REPLY, System.currentTimeMillis(), jpegs(20, 24, 28));
      await(vertx.eventBus().request(Addresses.model("echo", "echo-node/0"), job));
      int[] widths = new int[3];
      JobEvent.Type[] types = new JobEvent.Type[3];
      for (int i = 0; i < 3; i++) {
        JobEvent event = nextContent();
        types[i] = event.type();
        widths[i] = ImageIO.read(new ByteArrayInputStream(event.data())).getWidth();
      }
      assertEquals(List.of(JobEvent.Type.IMAGE, JobEvent.Type.IMAGE, JobEvent.Type.DONE), List.of(types));
      assertEquals(List.of(20, 24, 28), Arrays.stream(widths).boxed().toList());
    }

    @Test
    @DisplayName("the local backend answers several input images with one image, as real models do")
    void oneImageFromSeveral() throws Exception {
      Job job = new Job("composed", "fast", "mirror", 1L, REPLY, System.currentTimeMillis(), jpegs(20, 24, 28));
      await(vertx.eventBus().request(Addresses.model("fast", workerOf("fast")), job));
      JobEvent done = nextContent();
      assertEquals(JobEvent.Type.DONE, done.type(), "one event: the composed image rides on DONE");
      assertEquals(20, ImageIO.read(new ByteArrayInputStream(done.data())).getWidth(), "at the first input's size");
    }

    @Test
    @DisplayName("a job over jobTimeoutSeconds ends with job_timeout, never sooner, and frees its slot")
    void jobTimeout() throws Exception {
      Gate never = new Gate(); // never opened: the job can only end by its time limit
      WorkerConfig config = new ConfigLoader(Map.of()).workerFromText("""
          heartbeatSeconds: 60
          jobTimeoutSeconds: 1
          backends:
            - {type: local, models: [patient], concurrency: 1}
          """);
      await(vertx.deployVerticle(Workers.alone(config, "timeout-node", never.everyBackend())));
      long start = System.nanoTime();
      Job job = new Job("long", "patient", "a cat", 1L, REPLY, System.currentTimeMillis(), List.of());
      await(vertx.eventBus().request(Addresses.model("patient", "timeout-node/0"), job));
      Gate.Held held = await(never.next());
      JobEvent error = nextOf("long", JobEvent.Type.ERROR);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertEquals(ErrorCode.JOB_TIMEOUT.code(), error.error().code());
      assertFalse(error.error().retryable());
      assertTrue(ms >= 1000, "stopped after " + ms + " ms, before its 1 s limit"); // a timer never fires early
      await(held.cancelled()); // the backend was told to stop
      WorkerStats stats = await(vertx.eventBus().<WorkerStats>request(Addresses.workerControl("timeout-node"),
          new StatusRequest())).body();
      assertEquals(0, stats.running());
      assertEquals(1, stats.failed());
      await(vertx.eventBus().request(Addresses.model("patient", "timeout-node/0"),
          new Job("next", "patient", "a cat", 1L, REPLY, System.currentTimeMillis(), List.of())));
      await(vertx.eventBus().request(Addresses.workerControl("timeout-node"), new CancelJob("next", "test over")));
    }
  }

  @Nested
  @DisplayName("slots")
  class Slots {

    @Test
    @DisplayName("refuses a job when its slots are full (worker_busy) and publishes its load")
    void slots() throws Exception {
      submit("a", "held", REPLY);
      Gate.Held a = await(gate.next());
      ReplyException busy = refusal(send("b", "held", REPLY));
      assertEquals(ErrorCode.WORKER_BUSY.status(), busy.failureCode());
      assertEquals(ErrorCode.WORKER_BUSY.code(), busy.getMessage());
      WorkerStats stats = stats();
      assertEquals(1, stats.running());
      assertEquals(2, stats.slots());
      WorkerLoad full = nextLoad(l -> l.workerId().equals(workerOf("held")) && l.busy() == 1);
      assertEquals(1, full.concurrency());
      a.release();
      nextOf("a", JobEvent.Type.DONE);
      assertNotNull(submit("c", "held", REPLY)); // its slot is free again
      await(gate.next()).release();
      nextOf("c", JobEvent.Type.DONE);
      assertFalse(stats().overbooked());
    }

    @Test
    @DisplayName("a cancel stops a running job and frees its slot; no DONE follows")
    void cancelRunning() throws Exception {
      submit("r", "held", REPLY);
      Gate.Held r = await(gate.next());
      assertEquals(1, stats().running());
      assertTrue(cancel("r"));
      await(r.cancelled());
      WorkerStats stats = stats();
      assertEquals(0, stats.running());
      assertEquals(1, stats.cancelled());
      submit("after", "held", REPLY); // the freed slot takes the next job at once
      await(gate.next()).release();
      nextOf("after", JobEvent.Type.DONE);
      assertTrue(events.stream().noneMatch(e -> e.jobId().equals("r") && e.terminal()));
    }

    @Test
    @DisplayName("stopping drains: the running job finishes, new jobs are refused (shutting_down)")
    void drain() throws Exception {
      submit("last", "held", REPLY);
      Gate.Held last = await(gate.next());
      Future<Void> undeployed = vertx.undeploy(deployment);
      nextLoad(WorkerLoad::draining); // published once every backend drains
      assertTrue(stats().draining());
      ReplyException refused = refusal(send("late", "fast", REPLY));
      assertEquals(ErrorCode.SHUTTING_DOWN.code(), refused.getMessage());
      assertFalse(undeployed.isComplete(), "the node left before its running job finished");
      last.release();
      nextOf("last", JobEvent.Type.DONE);
      await(undeployed);
    }
  }

  @Nested
  @DisplayName("a job whose sender takes its final event as the answer (Job.finalAsReply)")
  class FinalAsReply {

    private Future<Object> sendAnswered(String id, String model, String node) {
      Job job = new Job(id, model, "a cat", 1L, REPLY, System.currentTimeMillis(), List.of()).withFinalAsReply();
      return vertx.eventBus().request(Addresses.model(model, node), job).map(Message::body);
    }

    /** A node of one backend, {@code generator}, serving {@code model}. */
    private void deploy(String node, String model, Generator generator) throws Exception {
      WorkerConfig config = new ConfigLoader(Map.of()).workerFromText(
          "heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [" + model + "], concurrency: 1}\n");
      await(vertx.deployVerticle(Workers.alone(config, node, (v, backend) -> generator)));
    }

    @Test
    @DisplayName("one that ends at once is answered by its DONE alone, carrying the image; nothing goes to the events address")
    void endsAtOnce() throws Exception {
      // A backend that answers before the job's request returns: ended well within the linger, on any machine.
      byte[] png = LocalRenderer.renderPng("a cat", 1, 16);
      deploy("instant-node", "instant", (request, cancellation) -> Future.succeededFuture(
          new GenerationResult(null, List.of(new GenerationResult.GeneratedImage("image/png", png)))));
      JobEvent done = assertInstanceOf(JobEvent.class, await(sendAnswered("quick", "instant", "instant-node/0")));
      assertEquals("quick", done.jobId());
      assertEquals(JobEvent.Type.DONE, done.type());
      assertEquals(16, ImageIO.read(new ByteArrayInputStream(done.data())).getWidth());
      // a job of a sender that expects JobAccepted: its events go to the address, and come first there
      Job plain = new Job("then", "instant", "a cat", 1L, REPLY, System.currentTimeMillis(), List.of());
      assertInstanceOf(JobAccepted.class, await(vertx.eventBus().request(Addresses.model("instant", "instant-node/0"),
          plain)).body());
      assertEquals("then", nextContent().jobId(), "an event of the answered job reached the events address");
      assertEquals(2, stats("instant-node").completed());
      assertFalse(await(vertx.eventBus().<Boolean>request(Addresses.workerControl("instant-node"),
          new CancelJob("quick", "client disconnected"))).body(), "the worker still holds the answered job");
    }

    @Test
    @DisplayName("one still running after the linger is accepted then, reported as unanswered until then, and streams as usual")
    void acceptedAfterTheLinger() throws Exception {
      long sent = System.nanoTime();
      Future<Object> answer = sendAnswered("slow", "held", workerOf("held"));
      Gate.Held held = await(gate.next());
      // The report published when its one slot filled says the job is not answered yet: its sender counts it
      // as on its way, so it must not count it twice.
      // (It is published as the job is taken, so it is the first to count the job; a heartbeat's may come before.)
      WorkerLoad whenFull = nextLoad(l -> l.workerId().equals(workerOf("held")) && l.busy() == 1);
      assertEquals(1, whenFull.unanswered());
      JobAccepted accepted = assertInstanceOf(JobAccepted.class, await(answer));
      assertTrue(System.nanoTime() - sent >= JobRunner.ACCEPT_LINGER_MS * 1_000_000, "accepted before the linger ended");
      assertEquals(Addresses.workerControl(NODE), accepted.controlAddress());
      // answered: the next heartbeat's report counts it as running only
      nextLoad(l -> l.workerId().equals(workerOf("held")) && l.busy() == 1 && l.unanswered() == 0);
      held.release();
      assertEquals(JobEvent.Type.DONE, nextOf("slow", JobEvent.Type.DONE).type());
    }

    @Test
    @DisplayName("one that fails at once is answered by its ERROR, retryable as the backend said")
    void failsAtOnce() throws Exception {
      deploy("failing-node", "failing", (request, cancellation) ->
          Future.failedFuture(new GenerationException(ErrorCode.UPSTREAM_UNAVAILABLE, "the upstream could not be reached")));
      JobEvent error = assertInstanceOf(JobEvent.class, await(sendAnswered("doomed", "failing", "failing-node/0")));
      assertEquals(JobEvent.Type.ERROR, error.type());
      assertEquals(ErrorCode.UPSTREAM_UNAVAILABLE.code(), error.error().code());
      assertTrue(error.error().retryable());
      assertEquals(1, stats("failing-node").failed());
    }

    @Test
    @DisplayName("one whose result has text besides its image is accepted first, then sends TEXT and DONE in order")
    void textAndImage() throws Exception {
      byte[] png = LocalRenderer.renderPng("a cat", 1, 16);
      deploy("talker-node", "talker", (request, cancellation) -> Future.succeededFuture(
          new GenerationResult("here it is", List.of(new GenerationResult.GeneratedImage("image/png", png)))));
      assertInstanceOf(JobAccepted.class, await(sendAnswered("chatty", "talker", "talker-node/0")));
      JobEvent text = nextContent();
      assertEquals(JobEvent.Type.TEXT, text.type());
      assertEquals("here it is", text.text());
      JobEvent done = nextContent();
      assertEquals(JobEvent.Type.DONE, done.type());
      assertEquals("chatty", done.jobId());
    }
  }

  @Nested
  @DisplayName("a job nobody waits for any more")
  class Orphans {

    @Test
    @DisplayName("stops a streaming job at once when its text cannot be written (no handler at replyTo)")
    @Timeout(value = 20, timeUnit = TimeUnit.SECONDS) // well before the 60 s heartbeat could notice
    void unwritableText(VertxTestContext ctx) {
      Promise<Void> stopped = Promise.promise();
      // A backend that streams a piece of text and then waits until it is cancelled.
      StreamingGenerator streaming = (request, cancellation, text) -> {
        Promise<GenerationResult> result = Promise.promise();
        cancellation.onCancel(() -> {
          result.tryFail(GenerationException.cancelled());
          stopped.tryComplete();
        });
        text.accept("hello");
        return result.future();
      };
      WorkerConfig config = new ConfigLoader(Map.of()).workerFromText("""
          heartbeatSeconds: 60
          backends:
            - {type: local, models: [streamer], concurrency: 1}
          """);
      Job job = new Job("unheard", "streamer", "a cat", 1L, "test.nobody." + UUID.randomUUID(), System.currentTimeMillis(), List.of());
      vertx.deployVerticle(Workers.alone(config, "stream-node", (v, backend) -> streaming))
          .compose(id -> vertx.eventBus().request(Addresses.model("streamer", "stream-node/0"), job))
          .compose(accepted -> stopped.future())
          .compose(v -> vertx.eventBus().<WorkerStats>request(Addresses.workerControl("stream-node"), new StatusRequest()))
          .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
            assertEquals(1, reply.body().cancelled());
            assertEquals(0, reply.body().running());
            ctx.completeNow();
          })));
    }

    @Test
    @DisplayName("stops a job whose API verticle is gone (no handler for its events)")
    void apiGone() throws Exception {
      submit("orphan", "held", "nobody.listens.here");
      await(await(gate.next()).cancelled()); // its first heartbeat finds no handler
      WorkerStats stats = stats();
      assertEquals(1, stats.cancelled());
      assertEquals(0, stats.running());
    }

    @Test
    @DisplayName("stops a job its API verticle no longer knows (it answers unknown_job)")
    void unknownJob() throws Exception {
      String forgetful = "test.forgetful." + UUID.randomUUID();
      vertx.eventBus().<JobEvent>consumer(forgetful,
          (Message<JobEvent> msg) -> msg.fail(ErrorCode.UNKNOWN_JOB.status(), ErrorCode.UNKNOWN_JOB.code()));
      submit("forgotten", "held", forgetful);
      await(await(gate.next()).cancelled()); // its first heartbeat is answered unknown_job
      assertEquals(1, stats().cancelled());
      assertNull(events.poll());
    }
  }
}

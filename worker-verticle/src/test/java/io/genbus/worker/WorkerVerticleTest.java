package io.genbus.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.config.LocalBackendConfig;
import io.genbus.config.WorkerConfig;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.CancelJob;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobAccepted;
import io.genbus.protocol.JobEvent;
import io.genbus.protocol.RecordCodec;
import io.genbus.protocol.StatusRequest;
import io.genbus.protocol.WorkerStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import java.io.ByteArrayInputStream;
import java.awt.image.BufferedImage;
import java.util.Base64;
import java.util.List;
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

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    RecordCodec.registerAll(vertx.eventBus());
    vertx.eventBus().<JobEvent>consumer(REPLY, msg -> {
      events.add(msg.body());
      msg.reply(null);
    });
    WorkerConfig config = new WorkerConfig(List.of(
        new LocalBackendConfig(List.of("fast"), 1, 32, 0),
        new LocalBackendConfig(List.of("slow"), 1, 32, 400)), 1);
    await(vertx.deployVerticle(new WorkerVerticle(config, NODE)));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private JobAccepted submit(String id, String model, String replyTo) throws Exception {
    Job job = new Job(id, model, "a cat", 1L, replyTo, System.currentTimeMillis());
    return await(vertx.eventBus().<JobAccepted>request(Addresses.model(model), job)).body();
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
  @DisplayName("accepts a job, reports it running, streams the image, then DONE")
  void runsAJob() throws Exception {
    JobAccepted accepted = submit("j1", "fast", REPLY);
    assertEquals(0, accepted.queuePosition());
    assertEquals(Addresses.workerControl(NODE), accepted.controlAddress());
    assertEquals(JobEvent.Type.PROGRESS, next().type());
    JobEvent image = next();
    assertEquals(JobEvent.Type.IMAGE, image.type());
    assertEquals("image/png", image.mimeType());
    BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(image.data())));
    assertEquals(32, png.getWidth());
    assertEquals(JobEvent.Type.DONE, next().type());
    assertEquals(1, stats().completed());
  }

  @Test
  @DisplayName("runs no more jobs than its slots; the rest wait their turn in order")
  void slots() throws Exception {
    assertEquals(0, submit("a", "slow", REPLY).queuePosition());
    assertEquals(1, submit("b", "slow", REPLY).queuePosition());
    assertEquals(2, submit("c", "slow", REPLY).queuePosition());
    WorkerStats busy = stats();
    assertEquals(1, busy.running());
    assertEquals(2, busy.queued());
    nextOf("a", JobEvent.Type.DONE);
    nextOf("b", JobEvent.Type.DONE);
    nextOf("c", JobEvent.Type.DONE);
    assertEquals(3, stats().completed());
  }

  @Test
  @DisplayName("a cancel stops a running job and frees its slot; no DONE follows")
  void cancelRunning() throws Exception {
    submit("r", "slow", REPLY);
    nextOf("r", JobEvent.Type.PROGRESS);
    Boolean found = await(vertx.eventBus().<Boolean>request(Addresses.workerControl(NODE),
        new CancelJob("r", "client disconnected"))).body();
    assertTrue(found);
    WorkerStats stats = stats();
    assertEquals(0, stats.running());
    assertEquals(1, stats.cancelled());
    // the freed slot takes the next job at once
    assertEquals(0, submit("after", "slow", REPLY).queuePosition());
    nextOf("after", JobEvent.Type.DONE);
    assertTrue(events.stream().noneMatch(e -> e.jobId().equals("r") && e.terminal()));
  }

  @Test
  @DisplayName("a waiting job that is cancelled leaves the line")
  void cancelWaiting() throws Exception {
    submit("first", "slow", REPLY);
    assertEquals(1, submit("second", "slow", REPLY).queuePosition());
    await(vertx.eventBus().request(Addresses.workerControl(NODE), new CancelJob("second", "client disconnected")));
    assertEquals(0, stats().queued());
    nextOf("first", JobEvent.Type.DONE);
    assertEquals(1, stats().cancelled());
  }

  @Test
  @DisplayName("stops a job whose API verticle is gone (no handler for its events)")
  void apiGone() throws Exception {
    submit("orphan", "slow", "nobody.listens.here");
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
    submit("forgotten", "slow", forgetful);
    long deadline = System.currentTimeMillis() + 5000;
    while (stats().cancelled() == 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(1, stats().cancelled());
    assertNull(events.poll());
  }
}

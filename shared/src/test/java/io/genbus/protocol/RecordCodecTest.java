package io.genbus.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The protocol codec")
class RecordCodecTest {

  private static <T extends Record> T roundTrip(Class<T> type, T value) {
    RecordCodec<T> codec = new RecordCodec<>(type);
    Buffer wire = Buffer.buffer().appendString("prefix");
    codec.encodeToWire(wire, value);
    return codec.decodeFromWire("prefix".length(), wire);
  }

  @Test
  @DisplayName("every message type survives the wire")
  void roundTrips() {
    Job job = new Job("j1", "local-image", "a cat", 42L, "genbus.api.n.i.events", 1234L,
        List.of(new InputImage("image/jpeg", new byte[] {1, 2, 3, (byte) 0xFF}, 2, 3)));
    Job back = roundTrip(Job.class, job);
    assertEquals(new Job("j1", "local-image", "a cat", 42L, "genbus.api.n.i.events", 1234L, List.of()),
        new Job(back.id(), back.model(), back.prompt(), back.seed(), back.replyTo(), back.createdAt(), List.of()));
    InputImage image0 = back.images().get(0);
    assertEquals("image/jpeg", image0.mimeType());
    assertArrayEquals(new byte[] {1, 2, 3, (byte) 0xFF}, image0.data());
    assertEquals(2, image0.width());
    assertEquals(3, image0.height());
    ImageOptions options = new ImageOptions(1536, 1024, "high", "jpeg", 80, "opaque", 2, "u1");
    Job images = roundTrip(Job.class, new Job("j2", "m", "p", 1L, "r", 5L, List.of(), options,
        new InputImage("image/png", new byte[] {9, 8}, 1, 1)));
    assertEquals(options, images.options());
    assertArrayEquals(new byte[] {9, 8}, images.mask().data());
    assertEquals(null, back.options(), "a chat job has no image parameters");
    JobEvent partial = roundTrip(JobEvent.class, JobEvent.partialImage("j2", "n/0", "image/png", new byte[] {1}));
    assertEquals(JobEvent.Type.PARTIAL_IMAGE, partial.type());
    JobAccepted accepted = new JobAccepted("j1", "node/0", "genbus.worker.node.control");
    assertEquals(accepted, roundTrip(JobAccepted.class, accepted));
    byte[] png = new byte[70_000]; // every byte value, many times: raw binary, not 7-bit or base64
    for (int i = 0; i < png.length; i++) {
      png[i] = (byte) i;
    }
    JobEvent image = roundTrip(JobEvent.class, JobEvent.image("j1", "n/0", "image/png", png));
    assertEquals(JobEvent.Type.IMAGE, image.type());
    assertEquals("image/png", image.mimeType());
    assertArrayEquals(png, image.data());
    JobEvent error = JobEvent.error("j1", "n/0", JobError.of(ErrorCode.GENERATION_FAILED, "boom"));
    assertEquals(error, roundTrip(JobEvent.class, error));
    assertEquals(JobEvent.progress("j1", "n/0", "running"), roundTrip(JobEvent.class, JobEvent.progress("j1", "n/0", "running")));
    CancelJob cancel = new CancelJob("j1", "client disconnected");
    assertEquals(cancel, roundTrip(CancelJob.class, cancel));
    WorkerStats stats = new WorkerStats(1, 2, 3, false, true, 4, 5, 6);
    assertEquals(stats, roundTrip(WorkerStats.class, stats));
    WorkerLoad load = new WorkerLoad("node/0", 1, 2, false);
    assertEquals(load, roundTrip(WorkerLoad.class, load));
    assertEquals(stats, roundTrip(WorkerStats.class, stats));
  }

  @Test
  @DisplayName("events leave out the fields of other types, and images travel as raw bytes")
  void compact() throws Exception {
    byte[] done = RecordCodec.MAPPER.writeValueAsBytes(JobEvent.done("j1", "n/0"));
    assertEquals(java.util.Map.of("jobId", "j1", "workerId", "n/0", "type", "DONE"),
        RecordCodec.MAPPER.readValue(done, java.util.Map.class));
    byte[] image = RecordCodec.MAPPER.writeValueAsBytes(JobEvent.image("j1", "n/0", "image/png", new byte[10_000]));
    assertTrue(image.length < 10_100, "10,000 image bytes took " + image.length + " on the wire");
  }

  @Test
  @DisplayName("a job log keeps its events' order, their images as raw bytes, and its errors")
  void jobLog() throws Exception {
    byte[] png = new byte[50_000];
    for (int i = 0; i < png.length; i++) {
      png[i] = (byte) (i * 7);
    }
    JobLog log = new JobLog("j1", "failed", List.of(
        new JobLog.Entry(1, JobLog.Entry.TEXT, "hello", null, null, null),
        new JobLog.Entry(2, JobLog.Entry.IMAGE, null, "image/png", png, null),
        new JobLog.Entry(3, JobLog.Entry.ERROR, null, null, null, JobError.of(ErrorCode.JOB_TIMEOUT, "too slow"))), false);
    JobLog back = roundTrip(JobLog.class, log);
    assertEquals("failed", back.status());
    assertEquals(List.of(1, 2, 3), back.events().stream().map(JobLog.Entry::seq).toList());
    assertEquals("hello", back.events().get(0).text());
    assertArrayEquals(png, back.events().get(1).data());
    assertEquals(JobError.of(ErrorCode.JOB_TIMEOUT, "too slow"), back.events().get(2).error());
    assertTrue(back.events().get(2).last());
    byte[] wire = RecordCodec.MAPPER.writeValueAsBytes(log);
    assertTrue(wire.length < png.length + 400, "50,000 image bytes took " + wire.length + " on the wire");
  }

  @Test
  @DisplayName("registerMissing adds only what an event bus lacks, however often it is called")
  void registerMissing() {
    Vertx vertx = Vertx.vertx();
    try {
      RecordCodec.registerAll(vertx.eventBus());
      RecordCodec.registerMissing(vertx.eventBus()); // no IllegalStateException for the ones already there
      Vertx fresh = Vertx.vertx();
      try {
        RecordCodec.registerMissing(fresh.eventBus());
        RecordCodec.registerMissing(fresh.eventBus());
        // a default codec is there: a local request with a JobLog body is passed through it
        fresh.eventBus().consumer("x", m -> m.reply(m.body()));
        JobLog log = new JobLog("j", "queued", List.of(), false);
        assertEquals(log, fresh.eventBus().request("x", log).toCompletionStage().toCompletableFuture()
            .get(10, TimeUnit.SECONDS).body());
      } finally {
        fresh.close();
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    } finally {
      vertx.close();
    }
  }

  @Test
  @DisplayName("error codes keep the spec's spelling")
  void codes() {
    assertEquals("MODEL_NOT_FOUND", ErrorCode.MODEL_NOT_FOUND.code());
    assertEquals("QUEUE_FULL", ErrorCode.QUEUE_FULL.code());
    assertEquals("invalid_api_key", ErrorCode.INVALID_API_KEY.code());
    assertEquals("没有 Worker 支持模型: invalid-model", ErrorCode.MODEL_NOT_FOUND.message(ErrorLanguage.ZH, "invalid-model"));
    assertEquals("队列已满", ErrorCode.QUEUE_FULL.message(ErrorLanguage.ZH));
    assertEquals(ErrorCode.WORKER_LOST, ErrorCode.fromCode("worker_lost"));
  }
}

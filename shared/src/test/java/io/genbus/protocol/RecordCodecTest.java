package io.genbus.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import java.util.List;
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
        List.of(new InputImage("image/jpeg", "AAAA", 2, 3)));
    assertEquals(job, roundTrip(Job.class, job));
    JobAccepted accepted = new JobAccepted("j1", "node/0", "genbus.worker.node.control");
    assertEquals(accepted, roundTrip(JobAccepted.class, accepted));
    JobEvent image = JobEvent.image("j1", "n/0", "image/png", "AAAA");
    assertEquals(image, roundTrip(JobEvent.class, image));
    JobEvent error = JobEvent.error("j1", "n/0", JobError.of(ErrorCode.GENERATION_FAILED, "boom"));
    assertEquals(error, roundTrip(JobEvent.class, error));
    assertEquals(JobEvent.progress("j1", "n/0", "queued", 3), roundTrip(JobEvent.class, JobEvent.progress("j1", "n/0", "queued", 3)));
    CancelJob cancel = new CancelJob("j1", "client disconnected");
    assertEquals(cancel, roundTrip(CancelJob.class, cancel));
    WorkerStats stats = new WorkerStats(1, 2, 3, false, true, 4, 5, 6);
    assertEquals(stats, roundTrip(WorkerStats.class, stats));
    WorkerLoad load = new WorkerLoad("node/0", 1, 2, false);
    assertEquals(load, roundTrip(WorkerLoad.class, load));
    assertEquals(stats, roundTrip(WorkerStats.class, stats));
  }

  @Test
  @DisplayName("events leave out the fields of other types")
  void compactJson() throws Exception {
    String json = RecordCodec.MAPPER.writeValueAsString(JobEvent.done("j1", "n/0"));
    assertEquals("{\"jobId\":\"j1\",\"workerId\":\"n/0\",\"type\":\"DONE\"}", json);
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

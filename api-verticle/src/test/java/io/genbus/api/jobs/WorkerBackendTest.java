package io.genbus.api.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.genbus.protocol.WorkerInfo;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("a worker backend's slots as an API node counts them")
class WorkerBackendTest {

  final WorkerBackend backend = new WorkerBackend(new WorkerInfo("n/0", "n", "local", List.of("m"), 4, "ctl"));

  @Test
  @DisplayName("a job the worker has not answered yet is counted once: pending here, not again from its report")
  void unansweredCountedOnce() {
    backend.reserve(0);
    backend.reserve(0);
    backend.report(2, 2, false); // both arrived; the worker holds their answers back
    assertEquals(2, backend.busy());
    backend.accepted(); // one answered (JobAccepted or its final event)
    assertEquals(2, backend.busy());
    backend.release(); // ... and it ended
    assertEquals(1, backend.busy());
    assertEquals(3, backend.free());
  }

  @Test
  @DisplayName("a report older than an answer counts the answered job as busy, never its slot as free too soon")
  void lateReport() {
    backend.reserve(0);
    backend.accepted(); // answered (its final event) ...
    backend.release(); // ... and ended
    backend.report(1, 1, false); // written while it was still unanswered, read only now
    assertEquals(1, backend.busy(), "the slot looks busy until the next report");
    backend.report(0, 0, false);
    assertEquals(0, backend.busy());
    backend.reserve(0);
    backend.report(3, 0, false); // other API nodes' jobs, answered: all of them count, and ours is on its way
    assertEquals(4, backend.busy());
    assertEquals(0, backend.free());
  }
}

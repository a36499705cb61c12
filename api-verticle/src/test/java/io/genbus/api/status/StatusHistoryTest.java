package io.genbus.api.status;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.genbus.api.jobs.JobObserver.EndedJob;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The status page's history as a job observer, driven tick by tick with explicit times (no timer, no cluster). */
@DisplayName("the status history")
class StatusHistoryTest {

  final StatusHistory history = new StatusHistory(null);
  final AtomicInteger waiting = new AtomicInteger();

  void end(String model, String outcome) {
    history.ended(new EndedJob("job", model, outcome, 0, 0, 0, "w/0", 1, null, 0));
  }

  static List<Long> series(JsonObject json, String model, String name) {
    return json.getJsonObject("models").getJsonObject(model).getJsonArray(name).stream()
        .map(v -> ((Number) v).longValue()).toList();
  }

  @Test
  @DisplayName("10-second steps: the most jobs waiting during each, the jobs that ended and failed in it; the step under way too")
  void steps() {
    history.lineOpened("m", waiting::get);
    waiting.set(3);
    history.tick(1_000);
    waiting.set(1);
    end("m", "done");
    end("m", "upstream_error");
    history.tick(2_000);
    end("m", "cancelled"); // ended, not failed
    waiting.set(0);
    history.tick(10_000); // closes the first step
    waiting.set(2);
    history.tick(11_000);
    end("m", "done");

    JsonObject json = history.toJson(12_000, Set.of("m"));
    assertEquals(10_000L, json.getLong("stepMs"));
    assertEquals(90, json.getInteger("steps"));
    assertEquals(List.of(0L, 10_000L), series(json, "m", "start"));
    assertEquals(List.of(3L, 2L), series(json, "m", "waiting"), "peaks, not the last look");
    assertEquals(List.of(3L, 1L), series(json, "m", "ended"));
    assertEquals(List.of(1L, 0L), series(json, "m", "failed"));
  }

  @Test
  @DisplayName("keeps 15 minutes of steps")
  void window() {
    history.lineOpened("m", waiting::get);
    for (int step = 1; step <= 100; step++) {
      end("m", "done");
      history.tick(step * 10_000L);
    }
    List<Long> ended = series(history.toJson(1_000_001, Set.of()), "m", "ended");
    assertEquals(90 + 1, ended.size(), "90 closed steps and the one under way");
    assertEquals(90, ended.stream().limit(90).filter(n -> n == 1).count(), "one job a step");
  }

  @Test
  @DisplayName("a served model without jobs yet has a row of zeros")
  void servedModel() {
    JsonObject json = history.toJson(5_000, Set.of("idle"));
    assertEquals(List.of(0L), series(json, "idle", "waiting"));
    assertEquals(List.of(0L), series(json, "idle", "ended"));
  }
}

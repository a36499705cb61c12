package io.genbus.api.status;

import io.genbus.api.jobs.JobObserver;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntSupplier;

/**
 * The last 15 minutes of each model on this API node, in 10-second steps, for the status page's chart
 * ({@code GET /v1/status/history}): the most jobs that waited at once during a step (its line looked at every
 * second), and the jobs that ended in it, all and failed. Kept here rather than in the page so that a reload
 * keeps the trend; a restart of the node starts afresh. A {@link JobObserver}, confined like the dispatcher to
 * the scheduler's event loop.
 */
public final class StatusHistory implements JobObserver {

  static final long TICK_MS = 1_000;
  static final long STEP_MS = 10_000;
  /** 15 minutes of steps. */
  static final int STEPS = 90;

  /** One closed step, or the one under way. */
  private record Step(long start, int peakWaiting, long ended, long failed) {
  }

  /** What a model's step under way has seen so far. */
  private static final class Current {
    int peakWaiting;
    long ended;
    long failed;
  }

  private final Vertx vertx;
  private final Map<String, IntSupplier> lines = new TreeMap<>();
  private final Map<String, ArrayDeque<Step>> steps = new HashMap<>();
  private final Map<String, Current> current = new HashMap<>();
  private long stepStart;
  private long timer = -1;

  public StatusHistory(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts looking at the lines every second; call it on the scheduler's loop. */
  public void start() {
    stepStart = System.currentTimeMillis();
    timer = vertx.setPeriodic(TICK_MS, id -> tick(System.currentTimeMillis()));
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  @Override
  public void lineOpened(String model, IntSupplier depth) {
    lines.put(model, depth);
  }

  @Override
  public void ended(EndedJob job) {
    Current now = current(job.model());
    now.ended++;
    if (!job.done() && !job.outcome().equals("cancelled")) {
      now.failed++;
    }
  }

  private Current current(String model) {
    return current.computeIfAbsent(model, m -> new Current());
  }

  void tick(long now) {
    lines.forEach((model, depth) -> {
      Current c = current(model);
      c.peakWaiting = Math.max(c.peakWaiting, depth.getAsInt());
    });
    if (now - stepStart < STEP_MS) {
      return;
    }
    for (Map.Entry<String, Current> e : current.entrySet()) {
      Current c = e.getValue();
      ArrayDeque<Step> ring = steps.computeIfAbsent(e.getKey(), m -> new ArrayDeque<>());
      ring.addLast(new Step(stepStart, c.peakWaiting, c.ended, c.failed));
      while (ring.size() > STEPS) {
        ring.removeFirst();
      }
      // The next step starts with what waits now.
      IntSupplier depth = lines.get(e.getKey());
      c.peakWaiting = depth == null ? 0 : depth.getAsInt();
      c.ended = 0;
      c.failed = 0;
    }
    stepStart = now;
  }

  /**
   * Per model, oldest first: the closed steps and the one under way. {@code served} models without a job yet
   * are listed too (a row of zeros), so the page shows every model.
   */
  public JsonObject toJson(long now, Collection<String> served) {
    TreeSet<String> models = new TreeSet<>(current.keySet());
    models.addAll(served);
    JsonObject byModel = new JsonObject();
    for (String model : models) {
      JsonArray start = new JsonArray();
      JsonArray waiting = new JsonArray();
      JsonArray ended = new JsonArray();
      JsonArray failed = new JsonArray();
      for (Step step : steps.getOrDefault(model, new ArrayDeque<>())) {
        start.add(step.start());
        waiting.add(step.peakWaiting());
        ended.add(step.ended());
        failed.add(step.failed());
      }
      Current c = current.getOrDefault(model, new Current());
      IntSupplier depth = lines.get(model);
      start.add(stepStart);
      waiting.add(Math.max(c.peakWaiting, depth == null ? 0 : depth.getAsInt()));
      ended.add(c.ended);
      failed.add(c.failed);
      byModel.put(model, new JsonObject().put("start", start).put("waiting", waiting).put("ended", ended)
          .put("failed", failed));
    }
    return new JsonObject().put("time", now).put("stepMs", STEP_MS).put("steps", STEPS).put("models", byModel);
  }
}

package io.genbus.api.jobs;

import io.genbus.protocol.Job;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Follows what happens to this node's jobs without taking part in it: metrics and the recent-jobs history
 * are observers, so the {@link JobDispatcher} only schedules. Called on the dispatcher's event loop.
 */
public interface JobObserver {

  /** A line for {@code model} now exists on this node; {@code depth} reads how many jobs wait in it. */
  default void lineOpened(String model, IntSupplier depth) {
  }

  /** A job left its line for the first time, after waiting {@code waitedMs}. */
  default void dispatched(String model, long waitedMs) {
  }

  /** A worker reported that an attempt at a job of {@code model} failed with {@code code}, retried or not. */
  default void attemptFailed(String model, String code) {
  }

  /** A job ended: exactly once per job. */
  void ended(EndedJob job);

  /**
   * A job that ended; {@code outcome} is {@code done}, {@code cancelled} or the error code; {@code images}
   * were delivered.
   */
  record EndedJob(String id, String model, String outcome, long endedAt, long waitedMs, long ranMs,
                  String workerId, int attempts, Job job, int images) {

    public boolean done() {
      return outcome.equals("done");
    }
  }

  /** All of {@code observers}, in order. */
  static JobObserver all(JobObserver... observers) {
    List<JobObserver> list = List.of(observers);
    return new JobObserver() {
      @Override
      public void lineOpened(String model, IntSupplier depth) {
        list.forEach(o -> o.lineOpened(model, depth));
      }

      @Override
      public void dispatched(String model, long waitedMs) {
        list.forEach(o -> o.dispatched(model, waitedMs));
      }

      @Override
      public void attemptFailed(String model, String code) {
        list.forEach(o -> o.attemptFailed(model, code));
      }

      @Override
      public void ended(EndedJob job) {
        list.forEach(o -> o.ended(job));
      }
    };
  }
}

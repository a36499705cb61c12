package io.genbus.api.jobs;

import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.Job;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * The node's one scheduler as every HTTP event loop sees it. The {@link JobDispatcher} and the
 * {@link WorkerDirectory} are confined to one event loop, the scheduler's, so the per-model FIFO and the
 * slot counts need no lock: calls from other loops hop onto it through its context's task queue, and
 * answers and job events hop back onto the caller's loop, in order. From the scheduler's own loop (one
 * HTTP instance, tests) nothing hops.
 */
public final class Scheduler {

  private final Context home;
  private final JobDispatcher dispatcher;
  private final WorkerDirectory directory;

  public Scheduler(Context home, JobDispatcher dispatcher, WorkerDirectory directory) {
    this.home = home;
    this.dispatcher = dispatcher;
    this.directory = directory;
  }

  public String eventsAddress() {
    return dispatcher.eventsAddress();
  }

  /** See {@link JobDispatcher#admit}. */
  public Future<Void> admit(String model, boolean impatient) {
    return compose(() -> dispatcher.admit(model, impatient));
  }

  /** Queues {@code job}, already admitted; {@code listener} is called on the caller's event loop. */
  public void submit(Job job, JobListener listener) {
    JobListener onCaller = onCaller(listener);
    run(() -> dispatcher.submit(job, onCaller));
  }

  /**
   * Admits and queues {@code job} in one hop (see {@link JobDispatcher#admit}): fails with the refusal, or
   * succeeds once the job is in its line. The answer reaches the caller before any of the job's events.
   */
  public Future<Void> submit(Job job, boolean impatient, JobListener listener) {
    JobListener onCaller = onCaller(listener);
    return compose(() -> dispatcher.admit(job.model(), impatient).andThen(ar -> {
      if (ar.succeeded()) {
        dispatcher.submit(job, onCaller);
      }
    }));
  }

  public void cancel(String jobId, String reason) {
    run(() -> dispatcher.cancel(jobId, reason));
  }

  /** The job's place in its line (1 = next), 0 when it is not waiting. */
  public Future<Integer> position(String jobId) {
    return call(() -> dispatcher.position(jobId));
  }

  /** Reads the scheduler's state on its loop, e.g. for the status page. */
  public <T> Future<T> read(SchedulerRead<T> read) {
    return call(() -> read.apply(dispatcher, directory));
  }

  /** A read of the dispatcher and directory, run on the scheduler's loop. */
  @FunctionalInterface
  public interface SchedulerRead<T> {
    T apply(JobDispatcher dispatcher, WorkerDirectory directory);
  }

  private void run(Runnable work) {
    if (Vertx.currentContext() == home) {
      work.run();
    } else {
      home.runOnContext(v -> work.run());
    }
  }

  private <T> Future<T> call(Supplier<T> work) {
    return compose(() -> Future.succeededFuture(work.get()));
  }

  private <T> Future<T> compose(Supplier<Future<T>> work) {
    Context caller = Vertx.currentContext();
    if (caller == home) {
      return attempt(work);
    }
    Promise<T> answer = Promise.promise();
    home.runOnContext(v -> attempt(work).onComplete(ar -> back(caller, () -> answer.handle(ar))));
    return answer.future();
  }

  private static <T> Future<T> attempt(Supplier<Future<T>> work) {
    try {
      return work.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static void back(Context caller, Runnable work) {
    if (caller == null) {
      work.run();
    } else {
      caller.runOnContext(v -> work.run());
    }
  }

  /** {@code listener} with every call made on the current (caller's) loop. */
  private JobListener onCaller(JobListener listener) {
    Context caller = Vertx.currentContext();
    if (caller == home || caller == null) {
      return listener;
    }
    return new JobListener() {
      @Override
      public void onText(String text) {
        back(caller, () -> listener.onText(text));
      }

      @Override
      public void onImage(String mimeType, byte[] bytes) {
        back(caller, () -> listener.onImage(mimeType, bytes));
      }

      @Override
      public void onPartialImage(String mimeType, byte[] bytes) {
        back(caller, () -> listener.onPartialImage(mimeType, bytes));
      }

      @Override
      public void onDone() {
        back(caller, listener::onDone);
      }

      @Override
      public void onError(ErrorCode code, String message) {
        back(caller, () -> listener.onError(code, message));
      }
    };
  }
}

package io.genbus.worker;

import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ErrorLanguage;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobAccepted;
import io.genbus.protocol.JobError;
import io.genbus.protocol.JobEvent;
import io.genbus.protocol.WorkerInfo;
import io.genbus.protocol.WorkerLoad;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.genbus.worker.output.OutputFormat;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the jobs of one backend in its {@code concurrency} slots. A job that finds no free slot is refused
 * ({@link ErrorCode#WORKER_BUSY}): jobs wait on the API node, which picks another worker or waits for a
 * slot, never here. Streams every job's events back to the API verticle that owns it, enforces the job
 * time limit, and stops a job when it is cancelled or its API verticle no longer knows it.
 *
 * <p>Confined to the worker verticle's event loop: no locks.
 */
public final class JobRunner {

  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
  /** How long a heartbeat may take to be acknowledged before the API node is taken for gone. */
  static final long HEARTBEAT_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final WorkerInfo info;
  private final Generator generator;
  private final WorkerCounters counters;
  private final long jobTimeoutMs;
  private final Runnable onLoadChange;
  private final Map<String, RunningJob> jobs = new HashMap<>();
  private final DeliveryOptions heartbeatDelivery = new DeliveryOptions().setSendTimeout(HEARTBEAT_TIMEOUT_MS);
  private boolean draining;
  private Promise<Void> idle;

  /**
   * @param jobTimeoutMs  0 = no limit
   * @param onLoadChange  called when the backend becomes full, when it has a free slot again, and when
   *                      draining starts (not on every job: a clustered publish costs a registrations
   *                      lookup, and the API nodes count their own jobs; heartbeats carry the rest)
   */
  public JobRunner(Vertx vertx, WorkerInfo info, Generator generator, WorkerCounters counters, long jobTimeoutMs,
                   Runnable onLoadChange) {
    this.vertx = vertx;
    this.info = info;
    this.generator = generator;
    this.counters = counters;
    this.jobTimeoutMs = jobTimeoutMs;
    this.onLoadChange = onLoadChange;
  }

  public WorkerInfo info() {
    return info;
  }

  public int running() {
    return jobs.size();
  }

  public WorkerLoad load() {
    return new WorkerLoad(info.workerId(), jobs.size(), info.concurrency(), draining);
  }

  /** A job sent to this backend: run it in a free slot and answer {@link JobAccepted}, or refuse it. */
  public void accept(Message<Job> message) {
    Job job = message.body();
    if (draining) {
      message.fail(ErrorCode.SHUTTING_DOWN.status(), ErrorCode.SHUTTING_DOWN.code());
      return;
    }
    if (jobs.size() >= info.concurrency()) {
      message.fail(ErrorCode.WORKER_BUSY.status(), ErrorCode.WORKER_BUSY.code());
      return;
    }
    if (jobs.containsKey(job.id())) {
      message.fail(ErrorCode.INVALID_VALUE.status(), "job " + job.id() + " is already here");
      return;
    }
    RunningJob rj = new RunningJob(job);
    jobs.put(job.id(), rj);
    counters.started(jobs.size(), info.concurrency());
    message.reply(new JobAccepted(job.id(), info.workerId(), info.controlAddress()));
    if (jobs.size() == info.concurrency()) {
      onLoadChange.run(); // now full
    }
    // JobAccepted already says it runs; PROGRESS follows as the heartbeat, every heartbeatSeconds.
    if (jobTimeoutMs > 0) {
      rj.timeoutTimer = vertx.setTimer(jobTimeoutMs, id -> timeout(rj));
    }
    inOutputFormat(rj, start(rj)).onComplete(ar -> finish(rj, ar));
  }

  /** The generation of a job; a generator that throws instead of failing its future still ends the job. */
  private Future<GenerationResult> start(RunningJob rj) {
    GenerationRequest request = GenerationRequest.of(rj.job);
    try {
      if (generator instanceof StreamingGenerator streaming) {
        return streaming.generate(request, rj.cancellation, text -> {
          if (!rj.ended && !text.isEmpty()) {
            send(rj, JobEvent.text(rj.job.id(), info.workerId(), text)); // passed on as it comes
          }
        });
      }
      if (generator instanceof PartialImageGenerator previews && request.partialImages() > 0) {
        return previews.generate(request, rj.cancellation, image -> partial(rj, image));
      }
      return generator.generate(request, rj.cancellation);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** A preview, in the asked format, sent in order; one that cannot be converted is skipped (it is no content). */
  private void partial(RunningJob rj, GeneratedImage image) {
    rj.partials = rj.partials
        .compose(v -> vertx.executeBlocking(() -> OutputFormat.apply(rj.job.options(), image), false))
        .map(converted -> {
          if (!rj.ended) {
            send(rj, JobEvent.partialImage(rj.job.id(), info.workerId(), converted.mimeType(), converted.bytes()));
          }
          return (Void) null;
        })
        .otherwise(err -> {
          LOG.debug("job {}: a partial image was skipped: {}", rj.job.id(), err.toString());
          return null;
        });
  }

  /** An Images API job's result in its {@code output_format} (on a worker thread), after its partial images. */
  private Future<GenerationResult> inOutputFormat(RunningJob rj, Future<GenerationResult> result) {
    if (rj.job.options() == null) {
      return result;
    }
    return result
        .compose(r -> vertx.executeBlocking(() -> OutputFormat.apply(rj.job.options(), r), false))
        .compose(r -> rj.partials.map(r));
  }

  /** Stops a job; false if this runner does not have it. Its slot comes back when the generator gives up. */
  public boolean cancel(String jobId, String reason) {
    RunningJob rj = jobs.get(jobId);
    if (rj == null || rj.ended) {
      return false;
    }
    LOG.info("job {} cancelled: {}", jobId, reason);
    rj.ended = true;
    counters.cancelled.incrementAndGet();
    rj.cancellation.cancel();
    return true;
  }

  /** Every running job shows it is alive. */
  public void heartbeat() {
    for (RunningJob rj : List.copyOf(jobs.values())) { // a failed send may cancel, so iterate over a copy
      if (!rj.ended) {
        beat(rj);
      }
    }
  }

  /** Takes no more jobs; the future completes when the running ones are done. */
  public Future<Void> drain() {
    draining = true;
    idle = Promise.promise();
    onLoadChange.run();
    if (jobs.isEmpty()) {
      idle.complete();
    }
    return idle.future();
  }

  /** Ends every job still running with an error the API can fail over from. */
  public void abortAll(String reason) {
    for (RunningJob rj : List.copyOf(jobs.values())) {
      if (!rj.ended) {
        send(rj, JobEvent.error(rj.job.id(), info.workerId(), JobError.of(ErrorCode.WORKER_LOST, "the worker stopped: " + reason)));
        cancel(rj.job.id(), reason);
      }
    }
  }

  private void timeout(RunningJob rj) {
    if (rj.ended) {
      return;
    }
    LOG.warn("job {} exceeded {} ms, stopping it", rj.job.id(), jobTimeoutMs);
    rj.ended = true;
    counters.failed.incrementAndGet();
    send(rj, JobEvent.error(rj.job.id(), info.workerId(), JobError.of(ErrorCode.JOB_TIMEOUT,
        ErrorCode.JOB_TIMEOUT.message(ErrorLanguage.EN, jobTimeoutMs / 1000))));
    rj.cancellation.cancel();
  }

  private void finish(RunningJob rj, AsyncResult<GenerationResult> result) {
    vertx.cancelTimer(rj.timeoutTimer);
    jobs.remove(rj.job.id());
    counters.ended();
    if (!rj.ended) {
      rj.ended = true;
      if (result.succeeded()) {
        counters.completed.incrementAndGet();
        deliver(rj, result.result());
      } else {
        counters.failed.incrementAndGet();
        send(rj, JobEvent.error(rj.job.id(), info.workerId(), toJobError(rj.job, result.cause())));
      }
    }
    if (jobs.size() == info.concurrency() - 1) {
      onLoadChange.run(); // was full, has a free slot again
    }
    if (draining && jobs.isEmpty()) {
      idle.tryComplete();
    }
  }

  /** Text first, then the images; the last piece rides on DONE (one message fewer for every job). */
  private void deliver(RunningJob rj, GenerationResult result) {
    String id = rj.job.id();
    String worker = info.workerId();
    List<GenerationResult.GeneratedImage> images = result.images();
    boolean text = result.text() != null && !result.text().isEmpty();
    if (images.isEmpty()) {
      send(rj, text ? JobEvent.doneWithText(id, worker, result.text()) : JobEvent.done(id, worker));
      return;
    }
    if (text) {
      send(rj, JobEvent.text(id, worker, result.text()));
    }
    for (GenerationResult.GeneratedImage image : images.subList(0, images.size() - 1)) {
      send(rj, JobEvent.image(id, worker, image.mimeType(), image.bytes()));
    }
    GenerationResult.GeneratedImage last = images.get(images.size() - 1);
    send(rj, JobEvent.doneWithImage(id, worker, last.mimeType(), last.bytes()));
  }

  private static JobError toJobError(Job job, Throwable cause) {
    if (cause instanceof GenerationException g) {
      return g.toJobError();
    }
    LOG.error("job {}: generator failed unexpectedly", job.id(), cause);
    return JobError.of(ErrorCode.GENERATION_FAILED, "the backend failed: " + cause.getClass().getSimpleName());
  }

  /**
   * Sends a content or final event to the API verticle that owns the job, without an acknowledgement: one
   * each would double a job's messages for no news (a job the API gives up on gets a {@code CancelJob}, a
   * dead API node shows at the next heartbeat). Only a message that cannot be written at all (no handler,
   * connection gone) is noticed: a job still streaming stops, a last event is logged.
   */
  private void send(RunningJob rj, JobEvent event) {
    vertx.eventBus().<JobEvent>sender(rj.job.replyTo()).write(event).onFailure(err -> {
      if (event.terminal()) {
        LOG.warn("job {}: final event not delivered ({})", rj.job.id(), err.toString());
      } else {
        cancel(rj.job.id(), "its API verticle cannot be reached (" + err + ")");
      }
    });
  }

  /**
   * The job's heartbeat, the one acknowledged event: no handler, {@code unknown_job} or no answer means
   * nobody waits for the job any more, so it is stopped and its slot freed.
   */
  private void beat(RunningJob rj) {
    JobEvent progress = JobEvent.progress(rj.job.id(), info.workerId(), "running");
    vertx.eventBus().request(rj.job.replyTo(), progress, heartbeatDelivery).onFailure(err -> {
      String why = err instanceof ReplyException re ? re.failureType() + ": " + re.getMessage() : err.toString();
      cancel(rj.job.id(), "its API verticle did not take a heartbeat (" + why + ")");
    });
  }

  private static final class RunningJob {
    final Job job;
    final Cancellation cancellation = new Cancellation();
    long timeoutTimer = -1;
    boolean ended;
    /** The partial images sent so far: the result waits for them, so they arrive first. */
    Future<Void> partials = Future.succeededFuture();

    RunningJob(Job job) {
      this.job = job;
    }
  }
}

package io.genbus.worker;

import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobAccepted;
import io.genbus.protocol.JobError;
import io.genbus.protocol.JobEvent;
import io.genbus.protocol.WorkerInfo;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the jobs of one backend: at most {@code concurrency} at once, the rest waiting in arrival order.
 * Streams every job's events back to the API verticle that owns it, and stops a job when it is cancelled
 * or when its API verticle no longer knows it (the client left, or the API node is gone).
 *
 * <p>Confined to the worker verticle's event loop: no locks.
 */
public final class JobRunner {

  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
  /** How long an event may take to be acknowledged before the API node is taken for gone. */
  static final long EVENT_TIMEOUT_MS = 15_000;

  private final Vertx vertx;
  private final WorkerInfo info;
  private final Generator generator;
  private final WorkerCounters counters;
  private final Map<String, RunningJob> jobs = new HashMap<>();
  private final Deque<RunningJob> waiting = new ArrayDeque<>();
  private final DeliveryOptions eventDelivery = new DeliveryOptions().setSendTimeout(EVENT_TIMEOUT_MS);
  private int running;

  public JobRunner(Vertx vertx, WorkerInfo info, Generator generator, WorkerCounters counters) {
    this.vertx = vertx;
    this.info = info;
    this.generator = generator;
    this.counters = counters;
  }

  public WorkerInfo info() {
    return info;
  }

  public int running() {
    return running;
  }

  public int waiting() {
    return waiting.size();
  }

  /** A job request from the model address: take it, answer with {@link JobAccepted}, run it when a slot is free. */
  public void accept(Message<Job> message) {
    Job job = message.body();
    if (jobs.containsKey(job.id())) {
      message.fail(ErrorCode.INVALID_VALUE.status(), "job " + job.id() + " is already here");
      return;
    }
    RunningJob rj = new RunningJob(job);
    jobs.put(job.id(), rj);
    boolean runNow = running < info.concurrency();
    message.reply(new JobAccepted(job.id(), info.workerId(), info.controlAddress(), runNow ? 0 : waiting.size() + 1));
    if (runNow) {
      start(rj);
    } else {
      waiting.addLast(rj);
      send(rj, JobEvent.progress(job.id(), "queued", waiting.size()));
    }
  }

  /** Stops a job wherever it is; false if this runner does not have it. */
  public boolean cancel(String jobId, String reason) {
    RunningJob rj = jobs.get(jobId);
    if (rj == null || rj.ended) {
      return false;
    }
    LOG.info("job {} cancelled: {}", jobId, reason);
    rj.ended = true;
    counters.cancelled.incrementAndGet();
    if (waiting.remove(rj)) {
      jobs.remove(jobId);
    } else {
      rj.cancellation.cancel(); // the slot comes back when the generator's future completes
    }
    return true;
  }

  /** Sends every job's heartbeat: queued ones learn their place, running ones show they are alive. */
  public void heartbeat() {
    int position = 0;
    for (RunningJob rj : List.copyOf(waiting)) { // a failed send may cancel, so iterate over copies
      send(rj, JobEvent.progress(rj.job.id(), "queued", ++position));
    }
    for (RunningJob rj : List.copyOf(jobs.values())) {
      if (rj.started && !rj.ended) {
        send(rj, JobEvent.progress(rj.job.id(), "running", 0));
      }
    }
  }

  /** Cancels everything (the worker is stopping). */
  public void cancelAll(String reason) {
    for (String id : jobs.keySet().toArray(String[]::new)) {
      RunningJob rj = jobs.get(id);
      if (!rj.ended) {
        send(rj, JobEvent.error(id, JobError.of(ErrorCode.WORKER_LOST, "the worker stopped: " + reason)));
      }
      cancel(id, reason);
    }
  }

  private void start(RunningJob rj) {
    running++;
    rj.started = true;
    send(rj, JobEvent.progress(rj.job.id(), "running", 0));
    generator.generate(GenerationRequest.of(rj.job), rj.cancellation).onComplete(ar -> finish(rj, ar));
  }

  private void finish(RunningJob rj, AsyncResult<GenerationResult> result) {
    running--;
    jobs.remove(rj.job.id());
    if (!rj.ended) {
      rj.ended = true;
      if (result.succeeded()) {
        counters.completed.incrementAndGet();
        deliver(rj, result.result());
      } else {
        counters.failed.incrementAndGet();
        send(rj, JobEvent.error(rj.job.id(), toJobError(rj.job, result.cause())));
      }
    }
    startNext();
  }

  private void startNext() {
    while (running < info.concurrency() && !waiting.isEmpty()) {
      start(waiting.pollFirst());
    }
  }

  private void deliver(RunningJob rj, GenerationResult result) {
    String id = rj.job.id();
    if (result.text() != null && !result.text().isEmpty()) {
      send(rj, JobEvent.text(id, result.text()));
    }
    for (GenerationResult.GeneratedImage image : result.images()) {
      send(rj, JobEvent.image(id, image.mimeType(), Base64.getEncoder().encodeToString(image.bytes())));
    }
    send(rj, JobEvent.done(id));
  }

  private static JobError toJobError(Job job, Throwable cause) {
    if (cause instanceof GenerationException g) {
      return g.toJobError();
    }
    LOG.error("job {}: generator failed unexpectedly", job.id(), cause);
    return JobError.of(ErrorCode.GENERATION_FAILED, "the backend failed: " + cause.getClass().getSimpleName());
  }

  /**
   * Sends one event as a request: the API verticle acknowledges it. No handler, an unknown job or no answer
   * at all means nobody is waiting for this job any more, so it is stopped and its slot freed.
   */
  private void send(RunningJob rj, JobEvent event) {
    vertx.eventBus().request(rj.job.replyTo(), event, eventDelivery).onFailure(err -> {
      String why = err instanceof ReplyException re ? re.failureType() + ": " + re.getMessage() : err.toString();
      if (!event.terminal()) {
        cancel(rj.job.id(), "its API verticle did not take an event (" + why + ")");
      } else {
        LOG.warn("job {}: final event not delivered ({})", rj.job.id(), why);
      }
    });
  }

  private static final class RunningJob {
    final Job job;
    final Cancellation cancellation = new Cancellation();
    boolean started;
    boolean ended;

    RunningJob(Job job) {
      this.job = job;
    }
  }
}

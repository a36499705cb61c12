package io.genbus.worker;

import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ErrorLanguage;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobAccepted;
import io.genbus.protocol.JobError;
import io.genbus.protocol.JobEvent;
import io.genbus.protocol.JobMoved;
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
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
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
 * <p>A durable job ({@link Job#durable()}) outlives its API node: when the node stops answering, the job runs
 * on and its events wait here for up to {@link Job#adoptionGraceMs()} until another API node adopts it
 * ({@link #moved}); its events carry numbers and its final event is acknowledged, so nothing is lost or
 * counted twice on the way (docs/protocol.md, "Durable jobs").
 *
 * <p>Confined to the worker verticle's event loop: no locks.
 */
public final class JobRunner {

  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
  /** How long a heartbeat may take to be acknowledged before the API node is taken for gone. */
  static final long HEARTBEAT_TIMEOUT_MS = 10_000;
  /**
   * How long {@link JobAccepted} is held back for a job whose sender takes its final event as the reply
   * ({@link Job#finalAsReply}): a job that ends sooner costs one message fewer. Short against any real
   * generation (seconds), and against the API node's wait for an answer (10 s).
   */
  static final long ACCEPT_LINGER_MS = 20;

  private final Vertx vertx;
  private final WorkerInfo info;
  private final Generator generator;
  private final WorkerCounters counters;
  private final long jobTimeoutMs;
  private final Runnable onLoadChange;
  private final Map<String, RunningJob> jobs = new HashMap<>();
  /** Durable jobs that finished here but whose final event no API node has acknowledged yet (they hold no slot). */
  private final Map<String, RunningJob> parked = new HashMap<>();
  private final DeliveryOptions heartbeatDelivery = new DeliveryOptions().setSendTimeout(HEARTBEAT_TIMEOUT_MS);
  private boolean draining;
  private Promise<Void> idle;
  /** Jobs whose request is not answered yet (their {@code JobAccepted} held back). */
  private int unanswered;

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

  /** Its busy slots, and how many of those jobs wait for their answer ({@link #ACCEPT_LINGER_MS}). */
  public WorkerLoad load() {
    return new WorkerLoad(info.workerId(), jobs.size(), info.concurrency(), draining, unanswered);
  }

  /**
   * A job sent to this backend: run it in a free slot and answer {@link JobAccepted} (for a job that says
   * {@link Job#finalAsReply}, held back up to {@link #ACCEPT_LINGER_MS}: its final event if it ends by then), or
   * refuse it.
   */
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
    if (job.finalAsReply() && !job.durable()) {
      rj.unanswered = message;
      unanswered++;
      rj.lingerTimer = vertx.setTimer(ACCEPT_LINGER_MS, id -> answerAccepted(rj));
    } else {
      message.reply(new JobAccepted(job.id(), info.workerId(), info.controlAddress()));
    }
    if (jobs.size() == info.concurrency()) {
      onLoadChange.run(); // now full
    }
    // JobAccepted already says it runs; PROGRESS follows as the heartbeat, every heartbeatSeconds.
    if (jobTimeoutMs > 0) {
      rj.timeoutTimer = vertx.setTimer(jobTimeoutMs, id -> timeout(rj));
    }
    inOutputFormat(rj, start(rj)).onComplete(ar -> finish(rj, ar));
  }

  /** Answers a job's request with {@link JobAccepted}, if it is still unanswered. */
  private void answerAccepted(RunningJob rj) {
    if (rj.unanswered != null) {
      answer(rj, new JobAccepted(rj.job.id(), info.workerId(), info.controlAddress()));
    }
  }

  /** Answers a job's held-back request with {@code reply}; false if it was answered already. */
  private boolean answer(RunningJob rj, Object reply) {
    Message<Job> request = rj.unanswered;
    if (request == null) {
      return false;
    }
    rj.unanswered = null;
    unanswered--;
    vertx.cancelTimer(rj.lingerTimer);
    request.reply(reply);
    return true;
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
    RunningJob done = parked.remove(jobId);
    if (done != null) {
      done.finalEvent = null; // finished already: its final event is no longer wanted
      stopWaiting(done);
      return true;
    }
    if (rj == null || rj.ended) {
      return false;
    }
    LOG.info("job {} cancelled: {}", jobId, reason);
    rj.ended = true;
    counters.cancelled.incrementAndGet();
    rj.cancellation.cancel();
    return true;
  }

  /**
   * A durable job was adopted by another API node: its events go to {@code replyTo} from now on, and those the
   * old owner did not acknowledge are sent again. False if this runner does not have the job.
   */
  public boolean moved(String jobId, String replyTo) {
    RunningJob rj = adoptable(jobId);
    if (rj == null) {
      return false;
    }
    LOG.info("job {} adopted: its events go to {} now", jobId, replyTo);
    rj.replyTo = replyTo;
    stopWaiting(rj);
    rj.unacked.forEach(event -> vertx.eventBus().send(replyTo, event));
    if (rj.finalEvent != null) {
      requestFinal(rj);
    }
    return true;
  }

  /** Whether this runner has {@code jobId} for an adopter to follow ({@link #moved}); changes nothing. */
  public boolean has(String jobId) {
    return adoptable(jobId) != null;
  }

  /** The job, running or finished with its final event kept; null if gone, or ended with nothing to hand over. */
  private RunningJob adoptable(String jobId) {
    RunningJob rj = jobs.containsKey(jobId) ? jobs.get(jobId) : parked.get(jobId);
    return rj == null || (rj.ended && rj.finalEvent == null) ? null : rj;
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
    boolean wasEnded = rj.ended;
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
    answerAccepted(rj); // ended without a final event of its own (cancelled): the request still gets its answer
    if (rj.finalEvent != null) {
      parked.put(rj.job.id(), rj); // until an API node acknowledges it (durable jobs)
    } else if (wasEnded) {
      stopWaiting(rj);
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
   * connection gone) is noticed: a job still streaming stops, a last event is logged. A job whose request is
   * still unanswered ({@link #ACCEPT_LINGER_MS}) has its final event sent as that answer, and is accepted
   * before any other event.
   */
  private void send(RunningJob rj, JobEvent event) {
    if (event.terminal() && answer(rj, event)) {
      return; // it ended within the linger: its final event is the whole answer
    }
    answerAccepted(rj); // content follows: the API node learns first that the job runs here
    if (rj.job.durable()) {
      sendDurable(rj, event.withSeq(++rj.seq));
      return;
    }
    vertx.eventBus().<JobEvent>sender(rj.replyTo).write(event).onFailure(err -> {
      if (event.terminal()) {
        LOG.warn("job {}: final event not delivered ({})", rj.job.id(), err.toString());
      } else {
        cancel(rj.job.id(), "its API verticle cannot be reached (" + err + ")");
      }
    });
  }

  /**
   * A durable job's event: content is kept until the final event is acknowledged (the owner acknowledges it
   * only once everything before it is stored), so an adopter can be sent all of it again; a failure to write
   * means the owner may be gone: the job waits for adoption instead of stopping.
   */
  private void sendDurable(RunningJob rj, JobEvent event) {
    if (event.terminal()) {
      rj.finalEvent = event;
      requestFinal(rj);
      return;
    }
    rj.unacked.add(event);
    vertx.eventBus().<JobEvent>sender(rj.replyTo).write(event).onFailure(err -> awaitAdoption(rj, err));
  }

  private void requestFinal(RunningJob rj) {
    JobEvent event = rj.finalEvent;
    String to = rj.replyTo;
    vertx.eventBus().request(to, event, heartbeatDelivery)
        .onSuccess(reply -> settled(rj, event))
        .onFailure(err -> {
          if (rj.finalEvent != event || !to.equals(rj.replyTo)) {
            return; // sent again to an adopter meanwhile
          }
          if (err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
            LOG.info("job {}: its API node no longer follows it ({}); final event dropped", rj.job.id(), re.getMessage());
            settled(rj, event);
          } else {
            awaitAdoption(rj, err);
          }
        });
  }

  /** The owner stored the job's final event: nothing of it is kept here any more. */
  private void settled(RunningJob rj, JobEvent event) {
    if (rj.finalEvent == event) {
      rj.finalEvent = null;
      rj.unacked.clear();
      parked.remove(rj.job.id());
      stopWaiting(rj);
    }
  }

  /**
   * The owner of a durable job did not answer: it may have died. The job goes on (a generation that is paid for
   * is not thrown away) and waits up to its adoption grace for {@link JobMoved}; then it is stopped and dropped.
   */
  private void awaitAdoption(RunningJob rj, Throwable err) {
    if (rj.graceTimer >= 0) {
      return;
    }
    LOG.warn("job {}: its API node did not answer ({}); waiting up to {} ms for another to adopt it", rj.job.id(),
        err instanceof ReplyException re ? re.failureType() : err.toString(), rj.job.adoptionGraceMs());
    rj.graceTimer = vertx.setTimer(rj.job.adoptionGraceMs(), id -> {
      rj.graceTimer = -1;
      LOG.warn("job {}: no API node adopted it within {} ms; dropped", rj.job.id(), rj.job.adoptionGraceMs());
      rj.finalEvent = null;
      rj.unacked.clear();
      parked.remove(rj.job.id());
      cancel(rj.job.id(), "no API node adopted it");
    });
  }

  private void stopWaiting(RunningJob rj) {
    if (rj.graceTimer >= 0) {
      vertx.cancelTimer(rj.graceTimer);
      rj.graceTimer = -1;
    }
  }

  /**
   * The job's heartbeat, the one acknowledged event: no handler, {@code unknown_job} or no answer means
   * nobody waits for the job any more, so it is stopped and its slot freed.
   */
  private void beat(RunningJob rj) {
    answerAccepted(rj);
    JobEvent progress = JobEvent.progress(rj.job.id(), info.workerId(), "running");
    String to = rj.replyTo;
    vertx.eventBus().request(to, progress, heartbeatDelivery).onComplete(ar -> {
      if (ar.succeeded()) {
        stopWaiting(rj); // its owner answers (again)
        return;
      }
      Throwable err = ar.cause();
      if (!to.equals(rj.replyTo)) {
        return; // adopted meanwhile
      }
      boolean refused = err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE;
      if (rj.job.durable() && !refused) {
        awaitAdoption(rj, err);
        return;
      }
      String why = err instanceof ReplyException re ? re.failureType() + ": " + re.getMessage() : err.toString();
      cancel(rj.job.id(), "its API verticle did not take a heartbeat (" + why + ")");
    });
  }

  private static final class RunningJob {
    final Job job;
    final Cancellation cancellation = new Cancellation();
    /** Where its events go: the job's API node, or the one that adopted it. */
    String replyTo;
    long timeoutTimer = -1;
    /** The job's request while its answer is held back ({@link #ACCEPT_LINGER_MS}); null once answered. */
    Message<Job> unanswered;
    long lingerTimer = -1;
    boolean ended;
    /** The partial images sent so far: the result waits for them, so they arrive first. */
    Future<Void> partials = Future.succeededFuture();
    /** Durable jobs: events numbered so far, content not yet covered by an acknowledged final event, that event. */
    int seq;
    final List<JobEvent> unacked = new ArrayList<>();
    JobEvent finalEvent;
    long graceTimer = -1;

    RunningJob(Job job) {
      this.job = job;
      this.replyTo = job.replyTo();
    }
  }
}

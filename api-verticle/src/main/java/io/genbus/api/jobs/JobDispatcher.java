package io.genbus.api.jobs;

import io.genbus.protocol.Addresses;
import io.genbus.protocol.CancelJob;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ErrorLanguage;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobAccepted;
import io.genbus.protocol.JobEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends jobs to their model's address and routes the events that come back to each job's
 * {@link JobListener}. One consumer on this verticle's own events address serves all its jobs (no
 * per-job registration in the cluster). A job whose worker stays silent for {@code workerLostMs} — every
 * live job sends a heartbeat — fails with {@link ErrorCode#WORKER_LOST}, so no request ever hangs.
 *
 * <p>Confined to the API verticle's event loop.
 */
public final class JobDispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(JobDispatcher.class);
  /** How long a worker may take to accept a job it was sent. */
  static final long ACCEPT_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final String eventsAddress;
  private final long workerLostMs;
  private final ErrorLanguage language;
  private final Map<String, Tracked> jobs = new HashMap<>();
  private long watchdog;

  public JobDispatcher(Vertx vertx, String eventsAddress, long workerLostMs, ErrorLanguage language) {
    this.vertx = vertx;
    this.eventsAddress = eventsAddress;
    this.workerLostMs = workerLostMs;
    this.language = language;
  }

  public String eventsAddress() {
    return eventsAddress;
  }

  public Future<Void> start() {
    watchdog = vertx.setPeriodic(Math.min(1000, workerLostMs / 4), id -> checkSilentWorkers());
    return vertx.eventBus().<JobEvent>consumer(eventsAddress, this::onEvent).completion();
  }

  public void stop() {
    vertx.cancelTimer(watchdog);
    for (String id : jobs.keySet().toArray(String[]::new)) {
      fail(id, ErrorCode.WORKER_LOST, "the API node is shutting down");
    }
  }

  /** Jobs this dispatcher is following now. */
  public int activeJobs() {
    return jobs.size();
  }

  /** Sends {@code job} to a worker of its model; everything that follows goes to {@code listener}. */
  public void submit(Job job, JobListener listener) {
    Tracked tracked = new Tracked(job, listener);
    jobs.put(job.id(), tracked);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(ACCEPT_TIMEOUT_MS);
    vertx.eventBus().<JobAccepted>request(Addresses.model(job.model()), job, options)
        .map(Message::body)
        .onSuccess(accepted -> onAccepted(tracked, accepted))
        .onFailure(err -> onNotAccepted(tracked, err));
  }

  /** The client went away: forget the job and tell its worker to stop. */
  public void cancel(String jobId, String reason) {
    Tracked tracked = jobs.remove(jobId);
    if (tracked != null) {
      tracked.cancelled = true;
      sendCancel(tracked, reason);
    }
  }

  private void onAccepted(Tracked tracked, JobAccepted accepted) {
    tracked.controlAddress = accepted.controlAddress();
    tracked.heard();
    if (tracked.cancelled) {
      sendCancel(tracked, "client disconnected before the job was accepted");
    } else if (accepted.queuePosition() > 0) {
      tracked.listener.onQueued(accepted.queuePosition());
    }
  }

  private void onNotAccepted(Tracked tracked, Throwable err) {
    if (jobs.remove(tracked.job.id()) == null) {
      return;
    }
    if (err instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
      tracked.listener.onError(ErrorCode.MODEL_NOT_FOUND, ErrorCode.MODEL_NOT_FOUND.message(language, tracked.job.model()));
    } else {
      LOG.warn("job {}: no worker accepted it: {}", tracked.job.id(), err.toString());
      tracked.listener.onError(ErrorCode.WORKER_LOST, ErrorCode.WORKER_LOST.message(language));
    }
  }

  private void onEvent(Message<JobEvent> message) {
    JobEvent event = message.body();
    Tracked tracked = jobs.get(event.jobId());
    if (tracked == null) {
      // Cancelled or timed out here: the failure tells the worker to stop the job.
      message.fail(ErrorCode.UNKNOWN_JOB.status(), ErrorCode.UNKNOWN_JOB.code());
      return;
    }
    message.reply(null);
    tracked.heard();
    JobListener listener = tracked.listener;
    switch (event.type()) {
      case PROGRESS -> {
        if ("queued".equals(event.text())) {
          listener.onQueued(event.position() == null ? 0 : event.position());
        } else {
          listener.onRunning();
        }
      }
      case TEXT -> listener.onText(event.text());
      case IMAGE -> listener.onImage(event.mimeType(), event.data());
      case DONE -> {
        jobs.remove(event.jobId());
        listener.onDone();
      }
      case ERROR -> {
        jobs.remove(event.jobId());
        ErrorCode code = ErrorCode.fromCode(event.error().code());
        listener.onError(code, code == ErrorCode.GENERATION_FAILED
            ? code.message(language, event.error().message())
            : event.error().message());
      }
    }
  }

  private void checkSilentWorkers() {
    long now = System.currentTimeMillis();
    for (Tracked tracked : jobs.values().toArray(Tracked[]::new)) {
      if (now - tracked.lastHeard > workerLostMs) {
        LOG.warn("job {}: worker silent for {} ms, giving up", tracked.job.id(), now - tracked.lastHeard);
        fail(tracked.job.id(), ErrorCode.WORKER_LOST, ErrorCode.WORKER_LOST.message(language));
      }
    }
  }

  private void fail(String jobId, ErrorCode code, String message) {
    Tracked tracked = jobs.remove(jobId);
    if (tracked != null) {
      sendCancel(tracked, message);
      tracked.listener.onError(code, message);
    }
  }

  private void sendCancel(Tracked tracked, String reason) {
    if (tracked.controlAddress != null) {
      vertx.eventBus().request(tracked.controlAddress, new CancelJob(tracked.job.id(), reason))
          .onFailure(err -> LOG.debug("cancel of job {} not delivered: {}", tracked.job.id(), err.toString()));
    }
  }

  private static final class Tracked {
    final Job job;
    final JobListener listener;
    String controlAddress;
    long lastHeard = System.currentTimeMillis();
    boolean cancelled;

    Tracked(Job job, JobListener listener) {
      this.job = job;
      this.listener = listener;
    }

    void heard() {
      lastHeard = System.currentTimeMillis();
    }
  }
}

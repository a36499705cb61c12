package io.genbus.api.jobs;

import io.genbus.api.observability.JobMetrics;
import io.genbus.config.ApiConfig;
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
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API node's scheduler. Jobs wait in a FIFO per model ({@link ModelQueue}); a job leaves its line only
 * for a worker with a free slot, picked by the {@link WorkerDirectory}, and is sent to that worker's own
 * address. Events come back on this verticle's events address and go to each job's {@link JobListener}.
 *
 * <p>Nothing hangs and nothing is lost: a job whose worker leaves the cluster, stays silent for
 * {@code workerLostSeconds}, or fails in a retryable way goes back to the front of its line for another
 * worker, up to {@code failover.maxRetries} times and only while no content reached it; otherwise, and
 * after {@code queue.maxWaitSeconds} in line, it ends with a clear error.
 *
 * <p>Confined to the API verticle's event loop.
 */
public final class JobDispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(JobDispatcher.class);
  /** How long a worker may take to answer a job it was sent. */
  static final long ACCEPT_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final String eventsAddress;
  private final ApiConfig config;
  private final WorkerDirectory directory;
  private final ErrorLanguage language;
  private final Map<String, TrackedJob> jobs = new HashMap<>();
  private final Map<String, ModelQueue> queues = new HashMap<>();
  private final Map<String, Long> modelLastServed = new HashMap<>();
  /** The last jobs that ended here, newest first, for the status page. */
  private final java.util.ArrayDeque<RecentJob> recent = new java.util.ArrayDeque<>();
  static final int RECENT = 50;

  /** A job that ended: what the dashboard lists. */
  public record RecentJob(String id, String model, String outcome, long endedAt, long waitedMs, long ranMs,
                          String workerId, int attempts) {
  }
  private long watchdog;

  private final JobMetrics metrics;

  public JobDispatcher(Vertx vertx, String eventsAddress, ApiConfig config, WorkerDirectory directory,
                       JobMetrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.eventsAddress = eventsAddress;
    this.config = config;
    this.directory = directory;
    this.language = config.errorLanguage();
    directory.onCapacity(this::pump);
  }

  public String eventsAddress() {
    return eventsAddress;
  }

  public Future<Void> start() {
    watchdog = vertx.setPeriodic(500, id -> checkTimes());
    return vertx.eventBus().<JobEvent>consumer(eventsAddress, this::onEvent).completion();
  }

  /** Ends every job still here (the node is stopping). */
  public void stop() {
    vertx.cancelTimer(watchdog);
    for (TrackedJob t : List.copyOf(jobs.values())) {
      end(t, ErrorCode.SHUTTING_DOWN, ErrorCode.SHUTTING_DOWN.message(language));
    }
  }

  /**
   * Whether a job of {@code model} that may not wait long (a non-streaming request) is admitted: empty if
   * so, otherwise the Retry-After seconds for the 429 QUEUE_FULL answer.
   */
  public OptionalInt refuseImpatient(String model) {
    ModelQueue queue = queues.get(model);
    int buffer = config.queue().buffer();
    if (buffer == 0 || queue == null || queue.size() < buffer) {
      return OptionalInt.empty();
    }
    int slots = directory.workers(model).stream().mapToInt(w -> w.info().concurrency()).sum();
    return OptionalInt.of(queue.retryAfterSeconds(slots));
  }

  /** Puts {@code job} in its model's line; it runs as soon as a worker has a free slot. */
  public void submit(Job job, JobListener listener) {
    TrackedJob t = new TrackedJob(job, listener);
    jobs.put(job.id(), t);
    queue(job.model()).addLast(t);
    modelLastServed.putIfAbsent(job.model(), System.currentTimeMillis());
    pump(job.model());
  }

  /** The client went away: the job leaves its line, or its worker is told to stop. */
  public void cancel(String jobId, String reason) {
    TrackedJob t = jobs.remove(jobId);
    if (t == null) {
      return;
    }
    metrics.ended(t.model(), "cancelled");
    remember(t, "cancelled");
    if (t.state == TrackedJob.State.QUEUED) {
      queue(t.model()).remove(t);
    } else {
      sendCancel(t, reason);
      if (t.state == TrackedJob.State.RUNNING) {
        directory.release(t.workerId); // a SENDING job's answer settles its slot when it comes
      }
      pump(t.model());
    }
  }

  /** The job's place in its line (1 = next), or 0 when it is not waiting. */
  public int position(String jobId) {
    TrackedJob t = jobs.get(jobId);
    return t == null || t.state != TrackedJob.State.QUEUED ? 0 : queue(t.model()).position(t);
  }

  /** Jobs of {@code model} waiting on this node. */
  public int waiting(String model) {
    ModelQueue q = queues.get(model);
    return q == null ? 0 : q.size();
  }

  /** Jobs of {@code model} this node has on workers now. */
  public int running(String model) {
    return (int) jobs.values().stream()
        .filter(t -> t.state != TrackedJob.State.QUEUED && t.model().equals(model))
        .count();
  }

  /** The last jobs that ended on this node, newest first. */
  public List<RecentJob> recentJobs() {
    return List.copyOf(recent);
  }

  private void remember(TrackedJob t, String outcome) {
    long now = System.currentTimeMillis();
    long sent = t.sentAt == 0 ? now : t.sentAt;
    recent.addFirst(new RecentJob(t.id(), t.model(), outcome, now, sent - t.admittedAt, t.sentAt == 0 ? 0 : now - t.sentAt,
        t.workerId, t.attempts));
    while (recent.size() > RECENT) {
      recent.removeLast();
    }
  }

  /** Every model this node has a line for, served or not. */
  public java.util.Set<String> queuedModels() {
    return queues.keySet();
  }

  /** A member left the cluster: its jobs move to other workers now, not after the silence timeout. */
  public void nodeLeft(String nodeId) {
    for (TrackedJob t : List.copyOf(jobs.values())) {
      if (t.state != TrackedJob.State.QUEUED && nodeId.equals(t.nodeId)) {
        failover(t, ErrorCode.WORKER_LOST, ErrorCode.WORKER_LOST.message(language));
      }
    }
  }

  private ModelQueue queue(String model) {
    return queues.computeIfAbsent(model, m -> {
      ModelQueue q = new ModelQueue();
      metrics.watchQueue(m, q, ModelQueue::size);
      return q;
    });
  }

  /** Sends waiting jobs of {@code model} to workers with free slots, in order, while there are both. */
  private void pump(String model) {
    ModelQueue queue = queues.get(model);
    while (queue != null && !queue.isEmpty()) {
      TrackedJob t = queue.peek();
      WorkerSlot worker = directory.pick(model, t.tried);
      if (worker == null) {
        return;
      }
      queue.poll();
      send(t, worker);
    }
  }

  private void send(TrackedJob t, WorkerSlot worker) {
    t.state = TrackedJob.State.SENDING;
    t.workerId = worker.id();
    t.nodeId = worker.info().nodeId();
    t.controlAddress = worker.info().controlAddress();
    t.attempts++;
    if (t.attempts == 1) {
      metrics.waited(t.model(), System.currentTimeMillis() - t.admittedAt);
    }
    t.tried.add(worker.id());
    t.output = false;
    t.sentAt = t.lastHeard = System.currentTimeMillis();
    modelLastServed.put(t.model(), t.sentAt);
    String attemptWorker = worker.id();
    vertx.eventBus().<JobAccepted>request(Addresses.model(t.model(), worker.id()), t.job,
            new DeliveryOptions().setSendTimeout(ACCEPT_TIMEOUT_MS))
        .map(Message::body)
        .onSuccess(accepted -> onAccepted(t, attemptWorker, accepted))
        .onFailure(err -> onRefused(t, attemptWorker, err));
  }

  private void onAccepted(TrackedJob t, String worker, JobAccepted accepted) {
    directory.accepted(worker);
    if (jobs.get(t.id()) != t || !worker.equals(t.workerId)) {
      // It left (client gone, or moved to another worker) before the answer: stop it on the worker that
      // took it (not necessarily the job's current one), and free that slot.
      directory.release(worker);
      sendCancel(accepted.controlAddress(), t.id(), "the job left before it was accepted");
      return;
    }
    if (t.state == TrackedJob.State.SENDING) {
      t.state = TrackedJob.State.RUNNING;
      t.lastHeard = System.currentTimeMillis();
    }
  }

  private void onRefused(TrackedJob t, String worker, Throwable err) {
    if (jobs.get(t.id()) != t || !worker.equals(t.workerId)) {
      directory.unreserve(worker); // cancelled, or already moved on
      return;
    }
    ErrorCode code = err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
        ? ErrorCode.fromCode(re.getMessage()) : null;
    if (code == ErrorCode.WORKER_BUSY || code == ErrorCode.SHUTTING_DOWN) {
      // Another API node took the slot first, or the worker is draining: not this job's fault.
      directory.markFull(worker);
      t.attempts--;
      t.tried.remove(worker);
      requeue(t);
      return;
    }
    LOG.warn("job {}: worker {} did not take it: {}", t.id(), worker, err.toString());
    directory.unreserve(worker);
    directory.forget(worker);
    failover(t, ErrorCode.WORKER_LOST, ErrorCode.WORKER_LOST.message(language));
  }

  private void onEvent(Message<JobEvent> message) {
    JobEvent event = message.body();
    TrackedJob t = jobs.get(event.jobId());
    if (t == null || t.state == TrackedJob.State.QUEUED || !event.workerId().equals(t.workerId)) {
      // Cancelled, timed out or moved to another worker: a heartbeat's failure tells the worker to stop;
      // other events are sends and are simply dropped (failing a message without a reply address does nothing).
      message.fail(ErrorCode.UNKNOWN_JOB.status(), ErrorCode.UNKNOWN_JOB.code());
      return;
    }
    message.reply(null);
    t.lastHeard = System.currentTimeMillis();
    switch (event.type()) {
      case PROGRESS -> { }
      case TEXT -> {
        t.output = true;
        t.listener.onText(event.text());
      }
      case IMAGE -> {
        t.output = true;
        t.listener.onImage(event.mimeType(), event.data());
      }
      case DONE -> {
        if (event.data() != null) { // the last piece of content may ride on DONE
          t.listener.onImage(event.mimeType(), event.data());
        } else if (event.text() != null) {
          t.listener.onText(event.text());
        }
        queue(t.model()).recordRun(System.currentTimeMillis() - t.sentAt);
        metrics.generated(t.model(), System.currentTimeMillis() - t.sentAt);
        metrics.ended(t.model(), "done");
        remember(t, "done");
        finish(t);
        t.listener.onDone();
      }
      case ERROR -> {
        ErrorCode code = ErrorCode.fromCode(event.error().code());
        String text = code == ErrorCode.GENERATION_FAILED
            ? code.message(language, event.error().message()) : event.error().message();
        if (event.error().retryable()) {
          failover(t, code, text);
        } else {
          end(t, code, text);
        }
      }
    }
  }

  /**
   * The current attempt is lost or failed retryably: back to the front of the line for another worker while
   * retries remain and no content reached the client; otherwise the request ends with {@code code}.
   */
  private void failover(TrackedJob t, ErrorCode code, String message) {
    sendCancel(t, "moved to another worker: " + message);
    if (t.state == TrackedJob.State.RUNNING) {
      directory.release(t.workerId);
    }
    if (t.output || t.attempts > config.failover().maxRetries()) {
      end(t, code, message);
      return;
    }
    LOG.info("job {}: {} on worker {}; trying another (attempt {} of {})", t.id(), message, t.workerId,
        t.attempts + 1, config.failover().maxRetries() + 1);
    requeue(t);
  }

  private void requeue(TrackedJob t) {
    t.state = TrackedJob.State.QUEUED;
    t.workerId = null;
    t.nodeId = null;
    queue(t.model()).addFirst(t);
    pump(t.model());
  }

  private void finish(TrackedJob t) {
    jobs.remove(t.id());
    if (t.workerId != null) {
      if (t.state == TrackedJob.State.RUNNING) {
        directory.release(t.workerId);
      }
      pump(t.model());
    }
  }

  private void end(TrackedJob t, ErrorCode code, String message) {
    if (jobs.get(t.id()) != t) {
      return;
    }
    if (t.state == TrackedJob.State.QUEUED) {
      queue(t.model()).remove(t);
    } else {
      sendCancel(t, message); // a worker may still be busy with it (e.g. this node is stopping)
    }
    finish(t);
    metrics.ended(t.model(), code.code());
    remember(t, code.code());
    t.listener.onError(code, message);
  }

  private void checkTimes() {
    long now = System.currentTimeMillis();
    metrics.workers(directory.allWorkers());
    long lostMs = config.workerLostSeconds() * 1000L;
    long maxWaitMs = config.queue().maxWaitSeconds() * 1000L;
    for (TrackedJob t : List.copyOf(jobs.values())) {
      if (t.state == TrackedJob.State.QUEUED) {
        if (maxWaitMs > 0 && now - t.admittedAt > maxWaitMs) {
          end(t, ErrorCode.QUEUE_TIMEOUT, ErrorCode.QUEUE_TIMEOUT.message(language, config.queue().maxWaitSeconds()));
        }
      } else if (now - t.lastHeard > lostMs) {
        LOG.warn("job {}: worker {} silent for {} ms", t.id(), t.workerId, now - t.lastHeard);
        failover(t, ErrorCode.WORKER_LOST, ErrorCode.WORKER_LOST.message(language));
      }
    }
    // A model whose workers are all gone for longer than workerLostSeconds: its waiting jobs would wait forever.
    for (String model : List.copyOf(queues.keySet())) {
      ModelQueue queue = queues.get(model);
      if (directory.serves(model)) {
        modelLastServed.put(model, now);
        pump(model); // in case a load report was missed
      } else if (!queue.isEmpty() && now - modelLastServed.getOrDefault(model, now) > lostMs) {
        for (TrackedJob t : queue.snapshot()) {
          end(t, ErrorCode.MODEL_NOT_FOUND, ErrorCode.MODEL_NOT_FOUND.message(language, model));
        }
      }
    }
  }

  private void sendCancel(TrackedJob t, String reason) {
    sendCancel(t.controlAddress, t.id(), reason);
  }

  private void sendCancel(String controlAddress, String jobId, String reason) {
    if (controlAddress != null) {
      vertx.eventBus().request(controlAddress, new CancelJob(jobId, reason))
          .onFailure(err -> LOG.debug("cancel of job {} not delivered: {}", jobId, err.toString()));
    }
  }
}

package io.genbus.api.jobs;

import io.genbus.api.errors.ApiException;
import io.genbus.api.jobs.JobObserver.EndedJob;
import io.genbus.config.ApiConfig;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.CancelJob;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ErrorLanguage;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobAccepted;
import io.genbus.protocol.JobEvent;
import io.genbus.protocol.WorkerInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API node's scheduler. Jobs wait in a FIFO per model ({@link ModelQueue}); a job leaves its line only
 * for a worker with a free slot, picked by the {@link WorkerDirectory}, and is sent to that worker's own
 * address. Events come back on this node's events address and go to each job's {@link JobListener}; what
 * happens to jobs is told to a {@link JobObserver} (metrics, history).
 *
 * <p>Nothing hangs and nothing is lost: a job whose worker leaves the cluster, stays silent for
 * {@code workerLostSeconds}, or fails in a retryable way goes back to the front of its line for another
 * worker, up to {@code failover.maxRetries} times and only while no content reached it; otherwise, and
 * after {@code queue.maxWaitSeconds} in line, it ends with a clear error.
 *
 * <p>Confined to one event loop (the node's scheduler loop); HTTP loops reach it through {@link Scheduler}.
 */
public final class JobDispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(JobDispatcher.class);
  /** How long a worker may take to answer a job it was sent. */
  static final long ACCEPT_TIMEOUT_MS = 10_000;
  static final long WATCHDOG_MS = 500;

  private final Vertx vertx;
  private final String eventsAddress;
  private final ApiConfig config;
  private final WorkerDirectory directory;
  private final JobObserver observer;
  /** A tenant's weight in the fair share of each model's line. */
  private final ToIntFunction<String> weights;
  private final ErrorLanguage language;
  private final Map<String, TrackedJob> jobs = new HashMap<>();
  private final Map<String, ModelQueue> queues = new HashMap<>();
  private final Map<String, Long> modelLastServed = new HashMap<>();
  private long watchdog;

  public JobDispatcher(Vertx vertx, String eventsAddress, ApiConfig config, WorkerDirectory directory,
                       JobObserver observer, ToIntFunction<String> weights) {
    this.vertx = vertx;
    this.weights = weights;
    this.eventsAddress = eventsAddress;
    this.config = config;
    this.directory = directory;
    this.observer = observer;
    this.language = config.errorLanguage();
    directory.onCapacity(this::pump);
  }

  public String eventsAddress() {
    return eventsAddress;
  }

  public Future<Void> start() {
    watchdog = vertx.setPeriodic(WATCHDOG_MS, id -> checkTimes());
    return vertx.eventBus().<JobEvent>consumer(eventsAddress, this::onEvent).completion();
  }

  /**
   * Ends every job still here (the node is stopping), except durable ones: they are left as they are, running
   * on their workers or waiting in their records, for another API node to adopt once this one has left.
   */
  public void stop() {
    vertx.cancelTimer(watchdog);
    for (TrackedJob t : List.copyOf(jobs.values())) {
      if (!t.job.durable()) {
        end(t, ErrorCode.SHUTTING_DOWN, ErrorCode.SHUTTING_DOWN.message(language));
      }
    }
  }

  /**
   * Whether a job of {@code model} may be queued now: a live worker serves the model (an unknown model
   * re-reads the directory first: a worker may have just joined) and, for a job that may not wait long (a
   * non-streaming request), its line is not full. Fails with the {@link ApiException} to answer.
   */
  public Future<Void> admit(String model, boolean impatient) {
    return directory.servesFresh(model).compose(served -> {
      if (!served) {
        return Future.failedFuture(new ApiException(ErrorCode.MODEL_NOT_FOUND, "model", model));
      }
      ModelQueue queue = queues.get(model);
      int buffer = config.queue().buffer();
      if (!impatient || buffer == 0 || queue == null || queue.size() < buffer) {
        return Future.succeededFuture();
      }
      int slots = directory.workers(model).stream().mapToInt(w -> w.info().concurrency()).sum();
      return Future.failedFuture(new ApiException(ErrorCode.QUEUE_FULL, null)
          .retryAfter(queue.retryAfterSeconds(slots)));
    });
  }

  /** Puts {@code job} in its model's line; it runs as soon as a worker has a free slot. */
  public void submit(Job job, JobListener listener) {
    TrackedJob t = new TrackedJob(job, listener);
    jobs.put(job.id(), t);
    queue(job.model()).addLast(t);
    modelLastServed.putIfAbsent(job.model(), System.currentTimeMillis());
    pump(job.model());
  }

  /**
   * Takes over jobs another API node owned (it left the cluster), oldest first: each joins the back of its
   * model's line in that order, keeping its original admission time (for {@code queue.maxWaitSeconds}).
   */
  public void adoptQueued(Job job, JobListener listener) {
    TrackedJob t = new TrackedJob(job, listener, job.createdAt());
    jobs.put(job.id(), t);
    queue(job.model()).addLast(t);
    modelLastServed.putIfAbsent(job.model(), System.currentTimeMillis());
    pump(job.model());
  }

  /**
   * Takes over a job that runs on {@code workerId} (its owner left the cluster): followed as running there,
   * its slot counted; events numbered up to {@code skipUpTo} were already stored and are ignored if the worker
   * sends them again. False if the worker is not known here (then adopt it as queued).
   */
  public boolean adoptRunning(Job job, JobListener listener, String workerId, int skipUpTo) {
    WorkerBackend worker = directory.adopt(workerId);
    if (worker == null) {
      return false;
    }
    TrackedJob t = new TrackedJob(job, listener, job.createdAt());
    long now = System.currentTimeMillis();
    t.sentTo(worker, now);
    t.accepted(now);
    t.skipUpTo = skipUpTo;
    if (skipUpTo > 0) {
      t.producedOutput();
    }
    jobs.put(job.id(), t);
    return true;
  }

  /** The live backends serving {@code model}, as the directory knows them now. */
  public List<WorkerInfo> workersOf(String model) {
    return directory.workers(model).stream().map(WorkerBackend::info).toList();
  }

  /** An adopted job's worker does not have it (any more): it is lost there. */
  public void adoptionRefused(String jobId) {
    TrackedJob t = jobs.get(jobId);
    if (t != null && !t.queued()) {
      failover(t, ErrorCode.WORKER_LOST, ErrorCode.WORKER_LOST.message(language));
    }
  }

  /** Whether this node follows the job now. */
  public boolean has(String jobId) {
    return jobs.containsKey(jobId);
  }

  /** The client went away: the job leaves its line, or its worker is told to stop. */
  public void cancel(String jobId, String reason) {
    TrackedJob t = jobs.get(jobId);
    if (t != null) {
      close(t, "cancelled", reason);
    }
  }

  /** The job's place in its line (1 = next), or 0 when it is not waiting. */
  public int position(String jobId) {
    TrackedJob t = jobs.get(jobId);
    return t == null || !t.queued() ? 0 : queue(t.model()).position(t);
  }

  /** Jobs of {@code model} waiting on this node. */
  public int waiting(String model) {
    ModelQueue q = queues.get(model);
    return q == null ? 0 : q.size();
  }

  /** Jobs of {@code model} this node has on workers now. */
  public int running(String model) {
    return (int) jobs.values().stream().filter(t -> !t.queued() && t.model().equals(model)).count();
  }

  /** Every model this node has a line for, served or not. */
  public Set<String> queuedModels() {
    return queues.keySet();
  }

  /** A member left the cluster: its jobs move to other workers now, not after the silence timeout. */
  public void nodeLeft(String nodeId) {
    for (TrackedJob t : List.copyOf(jobs.values())) {
      if (!t.queued() && nodeId.equals(t.nodeId())) {
        failover(t, ErrorCode.WORKER_LOST, ErrorCode.WORKER_LOST.message(language));
      }
    }
  }

  private ModelQueue queue(String model) {
    return queues.computeIfAbsent(model, m -> {
      ModelQueue q = new ModelQueue(weights);
      observer.lineOpened(m, q::size);
      return q;
    });
  }

  /** Sends waiting jobs of {@code model} to workers with free slots, in order, while there are both. */
  private void pump(String model) {
    ModelQueue queue = queues.get(model);
    while (queue != null && !queue.isEmpty()) {
      TrackedJob t = queue.peek();
      WorkerBackend worker = directory.pick(model, t.tried(), info -> info.capabilities().serves(t.job));
      if (worker == null) {
        return;
      }
      queue.poll();
      send(t, worker);
    }
  }

  private void send(TrackedJob t, WorkerBackend worker) {
    long now = System.currentTimeMillis();
    t.sentTo(worker, now);
    if (t.attempts() == 1) {
      observer.dispatched(t.model(), t.waitedMs(now));
    }
    modelLastServed.put(t.model(), now);
    String attemptWorker = worker.id();
    vertx.eventBus().request(Addresses.model(t.model(), worker.id()), t.job.withFinalAsReply(),
            new DeliveryOptions().setSendTimeout(ACCEPT_TIMEOUT_MS))
        .onSuccess(reply -> {
          if (reply.body() instanceof JobEvent ended) { // it ended at once: its final event is the answer
            onAccepted(t, attemptWorker, null);
            onEvent(reply, ended);
          } else {
            onAccepted(t, attemptWorker, ((JobAccepted) reply.body()).controlAddress());
          }
        })
        .onFailure(err -> onRefused(t, attemptWorker, err));
  }

  /** Whether {@code t} is still here and its current attempt is on {@code worker}. */
  private boolean current(TrackedJob t, String worker) {
    return jobs.get(t.id()) == t && t.isOn(worker);
  }

  /** @param controlAddress where the worker takes {@code CancelJob}; null when the job ended already */
  private void onAccepted(TrackedJob t, String worker, String controlAddress) {
    directory.accepted(worker);
    if (!current(t, worker)) {
      // It left (client gone, or moved to another worker) before the answer: stop it on the worker that
      // took it (not necessarily the job's current one), and free that slot.
      directory.release(worker);
      sendCancel(controlAddress, t.id(), "the job left before it was accepted");
      return;
    }
    t.accepted(System.currentTimeMillis());
    t.listener.onAccepted(worker, controlAddress);
  }

  private void onRefused(TrackedJob t, String worker, Throwable err) {
    if (!current(t, worker)) {
      directory.unreserve(worker); // cancelled, or already moved on
      return;
    }
    ErrorCode code = err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
        ? ErrorCode.fromCode(re.getMessage()) : null;
    if (code == ErrorCode.WORKER_BUSY || code == ErrorCode.SHUTTING_DOWN) {
      // Another API node took the slot first, or the worker is draining: not this job's fault.
      directory.markFull(worker);
      t.refusedBusy();
      requeue(t);
      return;
    }
    LOG.warn("job {}: worker {} did not take it: {}", t.id(), worker, err.toString());
    directory.unreserve(worker);
    directory.forget(worker);
    failover(t, ErrorCode.WORKER_LOST, ErrorCode.WORKER_LOST.message(language));
  }

  private void onEvent(Message<JobEvent> message) {
    onEvent(message, message.body());
  }

  /**
   * An event of a job: sent to this node's events address, or the final event answering the job's request
   * ({@link Job#finalAsReply}; {@code message} then has no reply address, and its acknowledgements go nowhere).
   */
  private void onEvent(Message<?> message, JobEvent received) {
    JobEvent event = received;
    TrackedJob t = jobs.get(event.jobId());
    if (t == null || !t.isOn(event.workerId())) {
      // Cancelled, timed out or moved to another worker: a heartbeat's failure tells the worker to stop;
      // other events are sends and are simply dropped (failing a message without a reply address does nothing).
      message.fail(ErrorCode.UNKNOWN_JOB.status(), ErrorCode.UNKNOWN_JOB.code());
      return;
    }
    t.heard(System.currentTimeMillis());
    if (event.seq() != null && event.seq() <= t.skipUpTo) {
      // sent again to this adopter, but its previous owner stored it already
      event = event.type() == JobEvent.Type.DONE ? JobEvent.done(event.jobId(), event.workerId()) : null;
      if (event == null) {
        message.reply(null);
        return;
      }
    }
    if (!event.terminal()) {
      message.reply(null);
    }
    switch (event.type()) {
      case PROGRESS -> { }
      case TEXT -> {
        t.producedOutput();
        t.listener.onText(event.text());
      }
      case IMAGE -> {
        t.producedOutput();
        t.images++;
        t.listener.onImage(event.mimeType(), event.data());
      }
      case PARTIAL_IMAGE -> t.listener.onPartialImage(event.mimeType(), event.data()); // a preview: no content
      case DONE -> {
        if (event.data() != null) { // the last piece of content may ride on DONE
          t.images++;
          t.listener.onImage(event.mimeType(), event.data());
        } else if (event.text() != null) {
          t.listener.onText(event.text());
        }
        queue(t.model()).recordRun(t.ranMs(System.currentTimeMillis()));
        close(t, "done", null);
        t.listener.onDone();
        acknowledgeWhenStored(message, t);
      }
      case ERROR -> {
        ErrorCode code = ErrorCode.fromCode(event.error().code());
        observer.attemptFailed(t.model(), code.code());
        String text = code == ErrorCode.GENERATION_FAILED
            ? code.message(language, event.error().message()) : event.error().message();
        if (event.error().retryable() && t.canFailOver(config.failover().maxRetries())) {
          message.reply(null);
          failover(t, code, text);
        } else {
          end(t, code, text);
          acknowledgeWhenStored(message, t);
        }
      }
    }
  }

  /** A final event is acknowledged once the job's listener has it stored (at once, unless the job is durable). */
  private static void acknowledgeWhenStored(Message<?> message, TrackedJob t) {
    t.listener.stored().onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(null);
      } else {
        message.fail(ErrorCode.INTERNAL_ERROR.status(), "not stored: " + ar.cause().getMessage());
      }
    });
  }

  /**
   * The current attempt is lost or failed retryably: back to the front of the line for another worker while
   * retries remain and no content reached the client; otherwise the request ends with {@code code}.
   */
  private void failover(TrackedJob t, ErrorCode code, String message) {
    if (!t.canFailOver(config.failover().maxRetries())) {
      end(t, code, message);
      return;
    }
    LOG.info("job {}: {} on worker {}; trying another (attempt {} of {})", t.id(), message, t.workerId(),
        t.attempts() + 1, config.failover().maxRetries() + 1);
    leaveWorker(t, "moved to another worker: " + message);
    requeue(t);
  }

  private void requeue(TrackedJob t) {
    t.requeued();
    queue(t.model()).addFirst(t);
    pump(t.model());
  }

  /** Ends the job with an error, told to its listener. */
  private void end(TrackedJob t, ErrorCode code, String message) {
    if (jobs.get(t.id()) == t) {
      close(t, code.code(), message);
      t.listener.onError(code, message);
    }
  }

  /**
   * The one way a job leaves this node: out of its line or off its worker (told to stop unless it finished:
   * {@code cancelReason} null), its slot freed, the observer told.
   */
  private void close(TrackedJob t, String outcome, String cancelReason) {
    jobs.remove(t.id());
    if (t.queued()) {
      queue(t.model()).remove(t);
    } else {
      leaveWorker(t, cancelReason);
      pump(t.model());
    }
    long now = System.currentTimeMillis();
    observer.ended(new EndedJob(t.id(), t.model(), outcome, now, t.waitedMs(now), t.ranMs(now), t.workerId(),
        t.attempts(), t.job, t.images));
  }

  /**
   * The current attempt ends: its worker is told to stop (when {@code cancelReason} is given) and the slot
   * it held is freed. A job still being sent holds only a reservation: the worker's answer settles it.
   */
  private void leaveWorker(TrackedJob t, String cancelReason) {
    if (cancelReason != null) {
      sendCancel(t.controlAddress(), t.id(), cancelReason);
    }
    if (t.holdsSlot()) {
      directory.release(t.workerId());
    }
  }

  private void checkTimes() {
    long now = System.currentTimeMillis();
    long lostMs = config.workerLostSeconds() * 1000L;
    long maxWaitMs = config.queue().maxWaitSeconds() * 1000L;
    for (TrackedJob t : List.copyOf(jobs.values())) {
      if (t.queued()) {
        if (maxWaitMs > 0 && now - t.admittedAt > maxWaitMs) {
          end(t, ErrorCode.QUEUE_TIMEOUT, ErrorCode.QUEUE_TIMEOUT.message(language, config.queue().maxWaitSeconds()));
        } else if (directory.workers(t.model()).stream().anyMatch(w -> w.info().capabilities().serves(t.job))) {
          t.servableAt = now;
        } else if (directory.serves(t.model()) && now - t.servableAt > lostMs) {
          // The model is served, but the workers able to run this job's image parameters left: it would wait forever.
          end(t, ErrorCode.UNSUPPORTED_PARAMETER, ErrorCode.UNSUPPORTED_PARAMETER.message(language, "model",
              "no live worker of " + t.model() + " supports this job's parameters any more"));
        }
      } else if (now - t.lastHeard() > lostMs) {
        LOG.warn("job {}: worker {} silent for {} ms", t.id(), t.workerId(), now - t.lastHeard());
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

  private void sendCancel(String controlAddress, String jobId, String reason) {
    if (controlAddress != null) {
      vertx.eventBus().request(controlAddress, new CancelJob(jobId, reason))
          .onFailure(err -> LOG.debug("cancel of job {} not delivered: {}", jobId, err.toString()));
    }
  }
}

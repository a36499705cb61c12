package io.genbus.api.jobs;

import io.genbus.protocol.Job;
import java.util.HashSet;
import java.util.Set;

/**
 * A job as its API node follows it, from admission to its last event. Its state changes only through the
 * named transitions below, called by the {@link JobDispatcher}: queued → {@link #sentTo sent} →
 * {@link #accepted running} → ended, with {@link #requeued} back to the line after a lost or busy worker.
 */
final class TrackedJob {

  enum State { QUEUED, SENDING, RUNNING }

  final Job job;
  final JobListener listener;
  final long admittedAt;
  /** When a live worker last could run it (its image parameters may need one that has left). */
  long servableAt;
  /** Adopted jobs: events of the current attempt up to this number were stored by the previous owner. */
  int skipUpTo;
  /** Place in its {@link ModelQueue}, set by the queue: order of arrival, fair-share tag, sent back to the front. */
  long ticket;
  double tag;
  boolean front;
  /** Images delivered to the listener. */
  int images;

  private final Set<String> tried = new HashSet<>();
  private State state = State.QUEUED;
  private int attempts;
  private WorkerBackend worker;
  private long sentAt;
  private long lastHeard;
  /** Content (text or image) came back from the current attempt: from then on it cannot move to another worker. */
  private boolean output;

  TrackedJob(Job job, JobListener listener) {
    this(job, listener, System.currentTimeMillis());
  }

  TrackedJob(Job job, JobListener listener, long admittedAt) {
    this.job = job;
    this.listener = listener;
    this.admittedAt = admittedAt;
    this.servableAt = admittedAt;
  }

  String id() {
    return job.id();
  }

  String model() {
    return job.model();
  }

  State state() {
    return state;
  }

  boolean queued() {
    return state == State.QUEUED;
  }

  /** Whether the worker took it and so holds a slot for it (a job still being sent holds only a reservation). */
  boolean holdsSlot() {
    return state == State.RUNNING;
  }

  int attempts() {
    return attempts;
  }

  /** Workers that already failed it: passed over while others exist. */
  Set<String> tried() {
    return tried;
  }

  /** The worker of the current attempt, or null while queued. */
  String workerId() {
    return worker == null ? null : worker.id();
  }

  String nodeId() {
    return worker == null ? null : worker.info().nodeId();
  }

  String controlAddress() {
    return worker == null ? null : worker.info().controlAddress();
  }

  /** Whether {@code workerId} runs its current attempt. */
  boolean isOn(String workerId) {
    return worker != null && worker.id().equals(workerId);
  }

  long sentAt() {
    return sentAt;
  }

  long lastHeard() {
    return lastHeard;
  }

  /** A new attempt starts: the job is on its way to {@code to}. */
  void sentTo(WorkerBackend to, long now) {
    state = State.SENDING;
    worker = to;
    attempts++;
    tried.add(to.id());
    output = false;
    sentAt = now;
    lastHeard = now;
  }

  /** The worker answered the job with {@code JobAccepted}. */
  void accepted(long now) {
    if (state == State.SENDING) {
      state = State.RUNNING;
    }
    lastHeard = now;
  }

  /** An event of the current attempt arrived. */
  void heard(long now) {
    lastHeard = now;
  }

  /** Text or an image reached the client. */
  void producedOutput() {
    output = true;
  }

  /** It may go to another worker: no content reached the client and retries remain. */
  boolean canFailOver(int maxRetries) {
    return !output && attempts <= maxRetries;
  }

  /** The worker was full or draining: not the job's fault, so the attempt does not count. */
  void refusedBusy() {
    attempts--;
    tried.remove(worker.id());
  }

  /** Back in its line, without a worker. */
  void requeued() {
    state = State.QUEUED;
    worker = null;
  }

  /** Time from admission to the current attempt's dispatch (or to {@code now}, if never sent). */
  long waitedMs(long now) {
    return (sentAt == 0 ? now : sentAt) - admittedAt;
  }

  /** Time the current attempt has run, 0 if never sent. */
  long ranMs(long now) {
    return sentAt == 0 ? 0 : now - sentAt;
  }
}

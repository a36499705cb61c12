package io.genbus.api.jobs;

import io.genbus.protocol.WorkerInfo;

/**
 * One worker backend as an API node sees it: what it announced and how busy it is. Busy slots are the
 * jobs known to run there ({@code running}: the worker's last report, plus this node's jobs accepted
 * since, minus those ended) and this node's jobs sent but not yet answered ({@code pending}). A report
 * never cancels out a pending job — it cannot know of it — so a stale report never frees a slot that a
 * job is on its way to, and jobs keep their order. The worker's own refusal (worker_busy) settles races
 * with other API nodes.
 */
public final class WorkerBackend {

  private final WorkerInfo info;
  private int running;
  private int pending;
  private boolean draining;
  private long lastUsed;

  WorkerBackend(WorkerInfo info) {
    this.info = info;
  }

  public WorkerInfo info() {
    return info;
  }

  public String id() {
    return info.workerId();
  }

  public int busy() {
    return running + pending;
  }

  public int free() {
    return draining ? 0 : Math.max(0, info.concurrency() - busy());
  }

  public boolean draining() {
    return draining;
  }

  long lastUsed() {
    return lastUsed;
  }

  double load() {
    return (double) busy() / info.concurrency();
  }

  /** A job is on its way. */
  void reserve(long now) {
    pending++;
    lastUsed = now;
  }

  /** The worker took it. */
  void accepted() {
    pending = Math.max(0, pending - 1);
    running++;
  }

  /** It never got there (no answer, or the job left before one came). */
  void unreserve() {
    pending = Math.max(0, pending - 1);
  }

  /** The worker refused it for lack of a slot: full until it reports again. */
  void refused() {
    unreserve();
    running = Math.max(running, info.concurrency() - pending);
  }

  /** A job that ran there ended. */
  void release() {
    running = Math.max(0, running - 1);
  }

  /**
   * The worker's own count. Jobs it has not answered yet are taken for this node's pending ones, counted once,
   * as pending (another API node's cannot be told apart: if they were, the worker's refusal settles it, as for
   * any race between API nodes). A report that comes late counts a job that has ended since: the slot looks
   * busy until the next report, never free too soon.
   */
  void report(int reportedBusy, int reportedUnanswered, boolean reportedDraining) {
    running = Math.max(0, reportedBusy - Math.min(pending, reportedUnanswered));
    draining = reportedDraining;
  }
}

package io.genbus.api.jobs;

import io.genbus.protocol.WorkerInfo;

/**
 * One worker backend as an API node sees it: what it announced and how busy it is. {@code busy} is the
 * worker's last published load plus the jobs this node sent it since; the worker's own refusal
 * (worker_busy) settles any race with other API nodes.
 */
public final class WorkerSlot {

  private final WorkerInfo info;
  private int busy;
  private boolean draining;
  private long lastUsed;

  WorkerSlot(WorkerInfo info) {
    this.info = info;
  }

  public WorkerInfo info() {
    return info;
  }

  public String id() {
    return info.workerId();
  }

  public int busy() {
    return busy;
  }

  public int free() {
    return draining ? 0 : Math.max(0, info.concurrency() - busy);
  }

  public boolean draining() {
    return draining;
  }

  long lastUsed() {
    return lastUsed;
  }

  double load() {
    return (double) busy / info.concurrency();
  }

  void reserve(long now) {
    busy++;
    lastUsed = now;
  }

  void release() {
    busy = Math.max(0, busy - 1);
  }

  void markFull() {
    busy = Math.max(busy, info.concurrency());
  }

  void report(int reportedBusy, boolean reportedDraining) {
    busy = reportedBusy;
    draining = reportedDraining;
  }
}

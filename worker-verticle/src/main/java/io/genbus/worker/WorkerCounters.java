package io.genbus.worker;

import java.util.concurrent.atomic.AtomicLong;

/** Lifetime job counters of one worker node, reported by its status request. */
public final class WorkerCounters {
  final AtomicLong completed = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  final AtomicLong cancelled = new AtomicLong();
  private int peakRunning;
  private boolean overbooked;
  private int runningNow;

  /** A backend took a job; {@code running} is its count now, including this one. */
  void started(int running, int concurrency) {
    overbooked |= running > concurrency;
    runningNow++;
    peakRunning = Math.max(peakRunning, runningNow);
  }

  void ended() {
    runningNow--;
  }

  int peakRunning() {
    return peakRunning;
  }

  boolean overbooked() {
    return overbooked;
  }
}

package io.genbus.worker;

import java.util.concurrent.atomic.AtomicLong;

/** Lifetime job counters of one worker node, reported by its status request. */
public final class WorkerCounters {
  final AtomicLong completed = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  final AtomicLong cancelled = new AtomicLong();
}

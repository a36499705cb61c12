package io.genbus.api.jobs;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The waiting line of one model on one API node: first in, first out, except that a job sent back after
 * a lost worker goes to the front. Each job holds a ticket, so its place is known without a scan.
 */
final class ModelQueue {

  private final Deque<TrackedJob> waiting = new ArrayDeque<>();
  private long nextTicket;
  private long frontTicket;
  /** Moving average of how long a job of this model runs, for Retry-After. */
  private double averageRunMs = 0;

  int size() {
    return waiting.size();
  }

  boolean isEmpty() {
    return waiting.isEmpty();
  }

  void addLast(TrackedJob job) {
    if (waiting.isEmpty()) {
      frontTicket = nextTicket;
    }
    job.ticket = nextTicket++;
    waiting.addLast(job);
  }

  void addFirst(TrackedJob job) {
    if (waiting.isEmpty()) {
      addLast(job);
      return;
    }
    job.ticket = --frontTicket;
    waiting.addFirst(job);
  }

  TrackedJob peek() {
    return waiting.peekFirst();
  }

  TrackedJob poll() {
    TrackedJob job = waiting.pollFirst();
    TrackedJob next = waiting.peekFirst();
    if (next != null) {
      frontTicket = next.ticket;
    }
    return job;
  }

  boolean remove(TrackedJob job) {
    boolean removed = waiting.remove(job);
    TrackedJob next = waiting.peekFirst();
    if (removed && next != null) {
      frontTicket = next.ticket;
    }
    return removed;
  }

  /** 1 for the next job to run; an upper bound when jobs ahead left the line. */
  int position(TrackedJob job) {
    return (int) Math.min(waiting.size(), job.ticket - frontTicket + 1);
  }

  /** The waiting jobs, front first, as a copy (safe to end them while iterating). */
  List<TrackedJob> snapshot() {
    return List.copyOf(waiting);
  }

  void recordRun(long ms) {
    averageRunMs = averageRunMs == 0 ? ms : 0.8 * averageRunMs + 0.2 * ms;
  }

  /** A guess at when a slot is worth asking for again, in whole seconds (at least 1). */
  int retryAfterSeconds(int slots) {
    double perJob = averageRunMs == 0 ? 1000 : averageRunMs;
    return (int) Math.max(1, Math.min(300, Math.ceil(perJob * (waiting.size() + 1) / Math.max(1, slots) / 1000)));
  }
}

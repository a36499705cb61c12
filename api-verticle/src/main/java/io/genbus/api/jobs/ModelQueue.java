package io.genbus.api.jobs;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * The waiting line of one model on one API node, shared fairly among tenants: weighted fair queueing with
 * the tenant's {@code priority} as its weight, first in first out within a tenant. Each job gets a finish
 * tag when it joins, {@code max(its tenant's last tag, the tag of the job that left last) + 1 / weight},
 * and the smallest tag leaves first. So a tenant with a thousand jobs waiting does not delay another
 * tenant's first job by more than one turn; with one tenant it is a plain FIFO. A job sent back after a
 * lost worker goes to the very front.
 */
final class ModelQueue {

  private static final Comparator<TrackedJob> ORDER =
      Comparator.<TrackedJob>comparingDouble(t -> t.tag).thenComparingLong(t -> t.ticket);

  private final ToIntFunction<String> weights;
  private final TreeSet<TrackedJob> waiting = new TreeSet<>(ORDER);
  private final Map<String, Line> lines = new HashMap<>();
  /** The tag of the job that left last: where a tenant that was idle starts again. */
  private double virtualTime;
  private long nextTicket;
  private long frontTicket;
  /** Jobs sent back to the front, waiting. */
  private int atFront;
  /** Moving average of how long a job of this model runs, for Retry-After. */
  private double averageRunMs = 0;

  /** One tenant's jobs in this line: how many, their weight and the tags of its first and last. */
  private static final class Line {
    int count;
    double weight;
    double firstTag;
    double lastTag;
  }

  ModelQueue(ToIntFunction<String> weights) {
    this.weights = weights;
  }

  int size() {
    return waiting.size();
  }

  boolean isEmpty() {
    return waiting.isEmpty();
  }

  void addLast(TrackedJob job) {
    String tenant = job.job.tenant();
    Line line = lines.get(tenant);
    double weight = Math.max(1, weights.applyAsInt(tenant));
    if (line == null) {
      line = new Line();
      line.lastTag = virtualTime;
      lines.put(tenant, line);
    }
    line.weight = weight;
    job.tag = Math.max(line.lastTag, virtualTime) + 1 / weight;
    if (line.count == 0) {
      line.firstTag = job.tag;
    }
    line.lastTag = job.tag;
    line.count++;
    job.front = false;
    job.ticket = nextTicket++;
    waiting.add(job);
  }

  void addFirst(TrackedJob job) {
    job.tag = Double.NEGATIVE_INFINITY;
    job.ticket = --frontTicket;
    job.front = true;
    atFront++;
    waiting.add(job);
  }

  TrackedJob peek() {
    return waiting.isEmpty() ? null : waiting.first();
  }

  TrackedJob poll() {
    TrackedJob job = waiting.pollFirst();
    if (job != null) {
      left(job);
      if (!job.front) {
        virtualTime = Math.max(virtualTime, job.tag);
        Line line = lines.get(job.job.tenant());
        if (line != null) {
          line.firstTag = job.tag + 1 / line.weight;
        }
      }
    }
    return job;
  }

  boolean remove(TrackedJob job) {
    boolean removed = waiting.remove(job);
    if (removed) {
      left(job);
    }
    return removed;
  }

  private void left(TrackedJob job) {
    if (job.front) {
      atFront--;
      return;
    }
    Line line = lines.get(job.job.tenant());
    if (line != null && --line.count == 0) {
      lines.remove(job.job.tenant());
    }
  }

  /**
   * 1 for the next job to run; an estimate from the tags (exact while no job leaves from the middle, an upper
   * bound when some did), in as many steps as there are tenants waiting, not jobs.
   */
  int position(TrackedJob job) {
    if (job.front) {
      return (int) Math.min(atFront, job.ticket - frontTicket + 1);
    }
    long ahead = atFront;
    for (Line line : lines.values()) {
      if (line.firstTag <= job.tag) {
        ahead += Math.min(line.count, (long) Math.floor((job.tag - line.firstTag) * line.weight + 1e-9) + 1);
      }
    }
    return (int) Math.max(1, Math.min(waiting.size(), ahead));
  }

  /** The waiting jobs, next first, as a copy (safe to end them while iterating). */
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

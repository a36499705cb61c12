package io.genbus.api.jobs;

import io.genbus.protocol.Job;
import java.util.HashSet;
import java.util.Set;

/** A job as its API node follows it, from admission to its last event. */
final class TrackedJob {

  enum State { QUEUED, SENDING, RUNNING }

  final Job job;
  final JobListener listener;
  final long admittedAt = System.currentTimeMillis();
  final Set<String> tried = new HashSet<>();
  State state = State.QUEUED;
  long ticket;
  int attempts;
  String workerId;
  String nodeId;
  String controlAddress;
  long sentAt;
  long lastHeard;
  /** Content (text or image) came back from the current attempt: from then on it cannot move to another worker. */
  boolean output;

  TrackedJob(Job job, JobListener listener) {
    this.job = job;
    this.listener = listener;
  }

  String id() {
    return job.id();
  }

  String model() {
    return job.model();
  }
}

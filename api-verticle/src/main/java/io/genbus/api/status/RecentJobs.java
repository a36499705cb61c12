package io.genbus.api.status;

import io.genbus.api.jobs.JobObserver;
import java.util.ArrayDeque;
import java.util.List;

/** The last jobs that ended on this node, newest first, for the status page. Confined to the dispatcher's loop. */
public final class RecentJobs implements JobObserver {

  static final int SIZE = 50;

  private final ArrayDeque<EndedJob> jobs = new ArrayDeque<>();

  @Override
  public void ended(EndedJob job) {
    jobs.addFirst(job);
    if (jobs.size() > SIZE) {
      jobs.removeLast();
    }
  }

  public List<EndedJob> list() {
    return List.copyOf(jobs);
  }
}

package io.genbus.api.usage;

import io.genbus.api.jobs.JobObserver;
import io.genbus.config.ApiConfig;
import io.genbus.protocol.ImageOptions;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobOrigin;

/** Turns every job this node ends into a {@link UsageRow} for the {@link UsageSink}. */
public final class UsageObserver implements JobObserver {

  private static final JobOrigin UNKNOWN = new JobOrigin(ApiConfig.DEFAULT_TENANT, "anonymous", "/v1/chat/completions", null);

  private final UsageSink sink;
  private final String nodeId;

  public UsageObserver(UsageSink sink, String nodeId) {
    this.sink = sink;
    this.nodeId = nodeId;
  }

  @Override
  public void ended(EndedJob ended) {
    Job job = ended.job();
    if (job == null) {
      return;
    }
    JobOrigin origin = job.origin() == null ? UNKNOWN : job.origin();
    String status = ended.done() ? "done" : ended.outcome().equals("cancelled") ? "cancelled" : "error";
    sink.record(new UsageRow(job.id(), origin.requestId() == null ? job.id() : origin.requestId(), origin.tenant(),
        origin.keyId(), job.model(), origin.endpoint(), ended.images(), size(job.options()), status,
        status.equals("error") ? ended.outcome() : null, ended.waitedMs(), ended.ranMs(), ended.workerId(), nodeId,
        job.createdAt(), ended.endedAt()));
  }

  private static String size(ImageOptions options) {
    return options == null || options.width() == null || options.height() == null ? null
        : options.width() + "x" + options.height();
  }
}

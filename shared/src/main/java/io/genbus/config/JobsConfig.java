package io.genbus.config;

/**
 * {@code api.jobs}: durable jobs (asynchronous requests, Idempotency-Key), recorded in the cluster.
 *
 * @param ttlSeconds how long a job's record (and its images) can be fetched after it was created (86400)
 */
public record JobsConfig(Integer ttlSeconds) {
  public JobsConfig {
    ttlSeconds = Checks.range("api.jobs.ttlSeconds", ttlSeconds, 86_400, 60, 30 * 86_400);
  }

  public static JobsConfig defaults() {
    return new JobsConfig(null);
  }
}

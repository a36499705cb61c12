package io.genbus.config;

import java.util.List;

/**
 * The {@code worker} section of the config file.
 *
 * @param backends         the backends this node runs (default: one {@code local} backend)
 * @param heartbeatSeconds how often a running or waiting job reports it is alive (2); keep it well under
 *                         the API's {@code workerLostSeconds}
 * @param jobTimeoutSeconds a job running longer is stopped and fails with job_timeout (300; 0 = no limit)
 * @param drainSeconds     on SIGTERM, how long running jobs may take to finish before the node leaves (30)
 */
public record WorkerConfig(List<BackendConfig> backends, Integer heartbeatSeconds, Integer jobTimeoutSeconds,
                           Integer drainSeconds) {

  public WorkerConfig {
    backends = backends == null || backends.isEmpty()
        ? List.of(new LocalBackendConfig(null, null, null, null))
        : List.copyOf(backends);
    heartbeatSeconds = Checks.range("worker.heartbeatSeconds", heartbeatSeconds, 2, 1, 60);
    jobTimeoutSeconds = Checks.range("worker.jobTimeoutSeconds", jobTimeoutSeconds, 300, 0, 86_400);
    drainSeconds = Checks.range("worker.drainSeconds", drainSeconds, 30, 0, 3600);
  }

  public static WorkerConfig defaults() {
    return new WorkerConfig(null, null, null, null);
  }

  public static WorkerConfig of(BackendConfig... backends) {
    return new WorkerConfig(List.of(backends), null, null, null);
  }
}

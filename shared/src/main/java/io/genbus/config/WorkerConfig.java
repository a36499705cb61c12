package io.genbus.config;

import java.util.List;

/**
 * The {@code worker} section of the config file.
 *
 * @param backends         the backends this node runs (default: one {@code local} backend)
 * @param heartbeatSeconds how often a running job reports it is alive (2); keep it well under
 *                         the API's {@code workerLostSeconds}
 * @param jobTimeoutSeconds a job running longer is stopped and fails with job_timeout (300; 0 = no limit)
 * @param drainSeconds     on SIGTERM, how long running jobs may take to finish before the node leaves (30)
 * @param httpPort         port of the node's own health and metrics endpoints; absent = none (a worker
 *                         needs no HTTP to work, and several workers often share a host); 0 picks a free one
 * @param httpHost         interface those endpoints bind (127.0.0.1: a scraper elsewhere needs it set)
 */
public record WorkerConfig(List<BackendConfig> backends, Integer heartbeatSeconds, Integer jobTimeoutSeconds,
                           Integer drainSeconds, Integer httpPort, String httpHost) {

  public WorkerConfig {
    backends = backends == null || backends.isEmpty()
        ? List.of(new LocalBackendConfig(null, null, null, null))
        : List.copyOf(backends);
    heartbeatSeconds = Checks.range("worker.heartbeatSeconds", heartbeatSeconds, 2, 1, 60);
    jobTimeoutSeconds = Checks.range("worker.jobTimeoutSeconds", jobTimeoutSeconds, 300, 0, 86_400);
    drainSeconds = Checks.range("worker.drainSeconds", drainSeconds, 30, 0, 3600);
    httpPort = httpPort == null ? null : Checks.range("worker.httpPort", httpPort, 0, 0, 65535);
    httpHost = httpHost == null || httpHost.isBlank() ? "127.0.0.1" : httpHost;
  }

  public static WorkerConfig defaults() {
    return new WorkerConfig(null, null, null, null, null, null);
  }

  public static WorkerConfig of(BackendConfig... backends) {
    return new WorkerConfig(List.of(backends), null, null, null, null, null);
  }
}

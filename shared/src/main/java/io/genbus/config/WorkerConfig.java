package io.genbus.config;

import java.util.List;

/**
 * The {@code worker} section of the config file.
 *
 * @param backends         the backends this node runs (default: one {@code local} backend)
 * @param heartbeatSeconds how often a running or waiting job reports it is alive (2); keep it well under
 *                         the API's {@code workerLostSeconds}
 */
public record WorkerConfig(List<BackendConfig> backends, Integer heartbeatSeconds) {

  public WorkerConfig {
    backends = backends == null || backends.isEmpty()
        ? List.of(new LocalBackendConfig(null, null, null, null))
        : List.copyOf(backends);
    heartbeatSeconds = Checks.range("worker.heartbeatSeconds", heartbeatSeconds, 2, 1, 60);
  }

  public static WorkerConfig defaults() {
    return new WorkerConfig(null, null);
  }

  public static WorkerConfig of(BackendConfig... backends) {
    return new WorkerConfig(List.of(backends), null);
  }
}

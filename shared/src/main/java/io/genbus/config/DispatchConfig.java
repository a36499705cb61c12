package io.genbus.config;

/** {@code api.dispatch}: how a worker is chosen for a job. */
public record DispatchConfig(DispatchStrategy strategy) {
  public DispatchConfig {
    strategy = strategy == null ? DispatchStrategy.LEAST_BUSY : strategy;
  }

  public static DispatchConfig defaults() {
    return new DispatchConfig(null);
  }
}

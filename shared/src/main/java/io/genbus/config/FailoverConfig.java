package io.genbus.config;

/**
 * {@code api.failover}: what happens when a worker is lost or fails in a way another worker might not.
 *
 * @param maxRetries how many times a job is sent again to another worker, as long as no content reached
 *                   the client (2)
 */
public record FailoverConfig(Integer maxRetries) {
  public FailoverConfig {
    maxRetries = Checks.range("api.failover.maxRetries", maxRetries, 2, 0, 20);
  }

  public static FailoverConfig defaults() {
    return new FailoverConfig(null);
  }
}

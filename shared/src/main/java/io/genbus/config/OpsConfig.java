package io.genbus.config;

/**
 * {@code api.ops}: where {@code /metrics} and {@code /health/*} are served. Without a port they are served
 * on the main port, as before; with one, {@code /metrics} moves to its own listener (so the main port can
 * face clients without telling them about the cluster) and {@code /health/*} is served on both.
 *
 * @param host interface of the operations listener (127.0.0.1)
 * @param port its port; absent = no separate listener; 0 picks a free one
 */
public record OpsConfig(String host, Integer port) {
  public OpsConfig {
    host = host == null || host.isBlank() ? "127.0.0.1" : host;
    port = port == null ? null : Checks.range("api.ops.port", port, 0, 0, 65535);
  }

  public static OpsConfig defaults() {
    return new OpsConfig(null, null);
  }

  public boolean separate() {
    return port != null;
  }
}

package io.genbus.config;

/**
 * {@code api.queue}: the per-model waiting line of an API node.
 *
 * @param buffer         a non-streaming request is refused (429 QUEUE_FULL) when this many jobs of its model
 *                       already wait on this node (2; 0 = no limit). Streaming requests always wait.
 * @param maxWaitSeconds a job that waited this long without a slot ends with 429 queue_timeout (0 = no limit)
 */
public record QueueConfig(Integer buffer, Integer maxWaitSeconds) {
  public QueueConfig {
    buffer = Checks.range("api.queue.buffer", buffer, 2, 0, 1_000_000);
    maxWaitSeconds = Checks.range("api.queue.maxWaitSeconds", maxWaitSeconds, 0, 0, 86_400);
  }

  public static QueueConfig defaults() {
    return new QueueConfig(null, null);
  }
}

package io.genbus.config;

/**
 * {@code api.stream}: how streamed chat answers are cut.
 *
 * @param maxChunkBytes the longest SSE {@code data:} line of a chat stream, bytes (32 KiB): an image's markdown is
 *                      sent as several {@code delta.content} chunks within it, as clients such as Open WebUI
 *                      refuse longer lines
 */
public record StreamConfig(Integer maxChunkBytes) {
  public StreamConfig {
    maxChunkBytes = Checks.range("api.stream.maxChunkBytes", maxChunkBytes, 32 * 1024, 1024, 16 * 1024 * 1024);
  }

  public static StreamConfig defaults() {
    return new StreamConfig(null);
  }
}

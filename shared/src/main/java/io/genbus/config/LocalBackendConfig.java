package io.genbus.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/**
 * The embedded offline renderer.
 *
 * @param models      models served (default {@code local-image})
 * @param concurrency jobs rendered at once (2)
 * @param size        width and height of the image in pixels when the request names no size (512)
 * @param delayMs     simulated generation time before rendering (0)
 * @param maxSize     largest width or height a request may ask for ({@code size} of the Images API; 2048)
 */
public record LocalBackendConfig(List<String> models, Integer concurrency, Integer size, Integer delayMs,
                                 Integer maxSize) implements BackendConfig {

  public static final String TYPE = "local";
  public static final String DEFAULT_MODEL = "local-image";

  /** With the default {@code maxSize}. */
  public LocalBackendConfig(List<String> models, Integer concurrency, Integer size, Integer delayMs) {
    this(models, concurrency, size, delayMs, null);
  }

  public LocalBackendConfig {
    models = BackendChecks.models("local", models, List.of(DEFAULT_MODEL));
    concurrency = Checks.range("local.concurrency", concurrency, 2, 1, 1024);
    size = Checks.range("local.size", size, 512, 16, 4096);
    delayMs = Checks.range("local.delayMs", delayMs, 0, 0, 3_600_000);
    maxSize = Checks.range("local.maxSize", maxSize, Math.max(2048, size), size, 4096);
  }

  @JsonIgnore
  @Override
  public String type() {
    return TYPE;
  }
}

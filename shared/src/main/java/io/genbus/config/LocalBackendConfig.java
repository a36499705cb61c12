package io.genbus.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/**
 * The embedded offline renderer.
 *
 * @param models      models served (default {@code local-image})
 * @param concurrency jobs rendered at once (2)
 * @param size        width and height of the image in pixels (512)
 * @param delayMs     simulated generation time before rendering (0)
 */
public record LocalBackendConfig(List<String> models, Integer concurrency, Integer size, Integer delayMs)
    implements BackendConfig {

  public static final String TYPE = "local";
  public static final String DEFAULT_MODEL = "local-image";

  public LocalBackendConfig {
    models = BackendChecks.models("local", models, List.of(DEFAULT_MODEL));
    concurrency = Checks.range("local.concurrency", concurrency, 2, 1, 1024);
    size = Checks.range("local.size", size, 512, 16, 4096);
    delayMs = Checks.range("local.delayMs", delayMs, 0, 0, 3_600_000);
  }

  @JsonIgnore
  @Override
  public String type() {
    return TYPE;
  }
}

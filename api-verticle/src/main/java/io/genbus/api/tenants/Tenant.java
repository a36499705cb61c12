package io.genbus.api.tenants;

import io.genbus.config.TenantConfig;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A tenant as the API node applies it: limits (null = none), its weight in fair share and the models it
 * may use ({@code *} a wildcard). {@code fromConfig}: declared in the config file, so read-only at runtime.
 */
public record Tenant(String name, Integer rpm, Integer maxConcurrentJobs, Integer imagesPerDay, int priority,
                     List<String> models, boolean fromConfig) {

  public Tenant {
    models = models == null || models.isEmpty() ? List.of("*") : List.copyOf(models);
    priority = Math.max(1, priority);
  }

  /** A tenant without limits, e.g. {@code default} of {@code api.keys}. */
  public static Tenant unlimited(String name, boolean fromConfig) {
    return new Tenant(name, null, null, null, 1, List.of("*"), fromConfig);
  }

  static Tenant of(TenantConfig c) {
    return new Tenant(c.name(), c.rpm(), c.maxConcurrentJobs(), c.imagesPerDay(), c.priority(), c.models(), true);
  }

  public boolean allows(String model) {
    for (String pattern : models) {
      if (pattern.equals("*") || pattern.equals(model) || (pattern.contains("*") && glob(pattern).matcher(model).matches())) {
        return true;
      }
    }
    return false;
  }

  public boolean limited() {
    return rpm != null || maxConcurrentJobs != null || imagesPerDay != null;
  }

  private static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (String part : pattern.split("\\*", -1)) {
      if (!regex.isEmpty()) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(part));
    }
    return Pattern.compile(regex.toString());
  }
}

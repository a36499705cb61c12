package io.genbus.config;

import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One tenant of {@code api.tenants}: its keys and its limits. A limit left out is no limit.
 *
 * @param name              letters, digits, {@code . _ -}; at most 64
 * @param keys              its bearer keys: plain, or {@code sha256:<64 hex>} (the SHA-256 of the key, so the
 *                          file need not hold the key itself)
 * @param rpm               accepted requests per minute, across all API nodes
 * @param maxConcurrentJobs jobs queued or running at once, across all API nodes
 * @param imagesPerDay      images per UTC day, across all API nodes
 * @param priority          weight in the fair share of a model's line (1, at most 100)
 * @param models            models it may use, {@code *} as a wildcard (default: all)
 */
public record TenantConfig(String name, List<String> keys, Integer rpm, Integer maxConcurrentJobs,
                           Integer imagesPerDay, Integer priority, List<String> models) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  public static final String HASH_PREFIX = "sha256:";

  public TenantConfig {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new ConfigException("api.tenants: a tenant needs a name of letters, digits, '.', '_' or '-' (at most 64), not "
          + (name == null ? "none" : "'" + name + "'"));
    }
    if (name.equals("admin")) {
      throw new ConfigException("api.tenants: the name 'admin' is reserved for api.adminKeys");
    }
    String where = "api.tenants." + name;
    keys = keys == null ? List.of() : keys.stream().map(String::trim).filter(k -> !k.isEmpty()).toList();
    for (String key : keys) {
      if (key.startsWith(HASH_PREFIX) && !isHash(key.substring(HASH_PREFIX.length()))) {
        throw new ConfigException(where + ".keys: 'sha256:' must be followed by 64 hex digits");
      }
    }
    rpm = positive(where + ".rpm", rpm);
    maxConcurrentJobs = positive(where + ".maxConcurrentJobs", maxConcurrentJobs);
    imagesPerDay = positive(where + ".imagesPerDay", imagesPerDay);
    priority = Checks.range(where + ".priority", priority, 1, 1, 100);
    models = models == null || models.isEmpty() ? List.of("*") : List.copyOf(models);
  }

  private static Integer positive(String key, Integer value) {
    if (value != null && value < 1) {
      throw new ConfigException(key + " must be at least 1 (leave it out for no limit), not " + value);
    }
    return value;
  }

  private static boolean isHash(String hex) {
    if (hex.length() != 64) {
      return false;
    }
    try {
      HexFormat.of().parseHex(hex);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}

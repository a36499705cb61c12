package io.genbus.config;

import java.util.List;

/** Checks every backend type shares. */
final class BackendChecks {
  private BackendChecks() {
  }

  static List<String> models(String type, List<String> models, List<String> defaults) {
    if (models == null && defaults != null) {
      return defaults;
    }
    if (models == null) {
      throw new ConfigException("backend '" + type + "': models must name at least one model");
    }
    List<String> cleaned = models.stream().map(String::trim).filter(m -> !m.isEmpty()).toList();
    if (cleaned.isEmpty()) {
      throw new ConfigException("backend '" + type + "': models must name at least one model");
    }
    for (String m : cleaned) {
      if (!m.matches("[A-Za-z0-9._:/+-]+")) {
        throw new ConfigException("backend '" + type + "': model name '" + m
            + "' may only use letters, digits and . _ : / + -");
      }
    }
    return cleaned;
  }

  static String baseUrl(String type, String baseUrl, String defaultUrl) {
    String url = baseUrl == null || baseUrl.isBlank() ? defaultUrl : baseUrl.trim().replaceAll("/+$", "");
    if (!url.startsWith("http://") && !url.startsWith("https://")) {
      throw new ConfigException("backend '" + type + "': baseUrl must start with http:// or https://, not '" + url + "'");
    }
    return url;
  }

  static List<String> keys(String type, List<String> keys) {
    List<String> cleaned = keys == null ? List.of() : keys.stream().map(String::trim).filter(k -> !k.isEmpty()).toList();
    if (cleaned.isEmpty()) {
      throw new ConfigException("backend '" + type + "': apiKeys needs at least one key (e.g. ${GEMINI_API_KEY})");
    }
    return cleaned;
  }

  static void proxy(String type, String proxy) {
    if (proxy != null && !proxy.matches("(?i)(http|socks5|socks4)://([^@/]+@)?[^:/]+:\\d+/?")) {
      throw new ConfigException("backend '" + type + "': proxy must look like http://host:port or socks5://host:port");
    }
  }
}

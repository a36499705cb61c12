package io.genbus.config;

import java.util.List;

/** Checks every backend type shares. */
final class BackendChecks {
  private BackendChecks() {
  }

  static List<String> models(String type, List<String> models, List<String> defaults) {
    if (models == null) {
      return defaults;
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
}

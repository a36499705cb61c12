package io.genbus.config;

/** Defaults and range checks shared by the config records. */
final class Checks {
  private Checks() {
  }

  static int range(String key, Integer value, int defaultValue, int min, int max) {
    int v = value == null ? defaultValue : value;
    if (v < min || v > max) {
      throw new ConfigException(key + " must be between " + min + " and " + max + ", not " + v);
    }
    return v;
  }
}

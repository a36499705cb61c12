package io.genbus.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Locale;

/** The language of error messages: English by default, the spec's Chinese wording with {@code zh}. */
public enum ErrorLanguage {
  EN, ZH;

  @JsonCreator
  public static ErrorLanguage parse(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "en" -> EN;
      case "zh" -> ZH;
      default -> throw new IllegalArgumentException("errorLanguage must be en or zh, not '" + value + "'");
    };
  }
}

package io.genbus.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Locale;

/** How an API node picks among the workers of a model that have a free slot. */
public enum DispatchStrategy {
  /** The worker with the lowest share of busy slots; ties go to the one used least recently. */
  LEAST_BUSY,
  /** Each worker in turn, skipping the full ones. */
  ROUND_ROBIN;

  @JsonCreator
  public static DispatchStrategy parse(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "least_busy" -> LEAST_BUSY;
      case "round_robin" -> ROUND_ROBIN;
      default -> throw new IllegalArgumentException(
          "dispatch.strategy must be least_busy or round_robin, not '" + value + "'");
    };
  }
}

package io.genbus.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Locale;

/** How an open stream shows it is alive. */
public enum KeepAliveMode {
  /** An SSE comment line {@code : keep-alive}; invisible to SSE clients. */
  COMMENT,
  /** An empty-delta chunk, for clients that only reset their read timeout on data. */
  CONTENT;

  @JsonCreator
  public static KeepAliveMode parse(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "comment" -> COMMENT;
      case "content" -> CONTENT;
      default -> throw new IllegalArgumentException("keepAliveMode must be comment or content, not '" + value + "'");
    };
  }
}

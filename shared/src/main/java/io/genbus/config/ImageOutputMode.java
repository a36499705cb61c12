package io.genbus.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Locale;

/** How a generated image appears in the message content. */
public enum ImageOutputMode {
  /** {@code ![generated](data:image/png;base64,…)}, the spec's form. */
  MARKDOWN,
  /** The bare data URL. */
  DATAURL,
  /** Stored in the cluster for {@code api.images.ttlSeconds}; the content is {@code ![generated](<publicBaseUrl>/v1/images/<id>.png)}. */
  URL;

  @JsonCreator
  public static ImageOutputMode parse(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "markdown" -> MARKDOWN;
      case "dataurl" -> DATAURL;
      case "url" -> URL;
      default -> throw new IllegalArgumentException("images.output must be markdown, dataurl or url, not '" + value + "'");
    };
  }
}

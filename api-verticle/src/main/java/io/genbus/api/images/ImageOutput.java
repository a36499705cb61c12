package io.genbus.api.images;

import io.genbus.config.ImageOutputMode;
import io.vertx.core.Future;
import java.util.Base64;

/** Turns a generated image into message content, as {@code api.images.output} says. */
public final class ImageOutput {

  private final ImageOutputMode mode;
  private final ImageStore store;

  public ImageOutput(ImageOutputMode mode, ImageStore store) {
    this.mode = mode;
    this.store = store;
  }

  /** @param baseUrl where this API is reached from outside, for {@code url} mode, e.g. {@code http://host:3000} */
  public Future<String> render(String mimeType, String base64, String baseUrl) {
    String dataUrl = "data:" + mimeType + ";base64," + base64;
    return switch (mode) {
      case MARKDOWN -> Future.succeededFuture(markdown(dataUrl));
      case DATAURL -> Future.succeededFuture(dataUrl);
      case URL -> store.put(mimeType, Base64.getDecoder().decode(base64))
          .map(name -> markdown(baseUrl + "/v1/images/" + name));
    };
  }

  private static String markdown(String target) {
    return "![generated](" + target + ")";
  }
}

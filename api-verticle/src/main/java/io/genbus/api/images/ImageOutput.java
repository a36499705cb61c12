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
  public Future<String> render(String mimeType, byte[] bytes, String baseUrl) {
    return switch (mode) {
      case MARKDOWN -> Future.succeededFuture(markdown(dataUrl(mimeType, bytes)));
      case DATAURL -> Future.succeededFuture(dataUrl(mimeType, bytes));
      case URL -> store.put(mimeType, bytes).map(name -> markdown(baseUrl + "/v1/images/" + name));
    };
  }

  /** Base64 once, here at the edge: the bytes travel raw from the worker. */
  private static String dataUrl(String mimeType, byte[] bytes) {
    return "data:" + mimeType + ";base64," + Base64.getEncoder().encodeToString(bytes);
  }

  private static String markdown(String target) {
    return "![generated](" + target + ")";
  }
}

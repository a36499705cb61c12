package io.genbus.api.images;

import io.genbus.api.errors.ApiException;
import io.genbus.config.ImageOutputMode;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;
import java.util.Base64;

/** Turns a generated image into message content, as {@code api.images.output} says. */
public final class ImageOutput {

  private final ImageOutputMode mode;
  private final ImageStore store;
  private final long maxStoredBytes;

  /** @param maxStoredBytes the largest image stored in {@code url} mode ({@code api.images.maxStoredBytes}) */
  public ImageOutput(ImageOutputMode mode, ImageStore store, long maxStoredBytes) {
    this.mode = mode;
    this.store = store;
    this.maxStoredBytes = maxStoredBytes;
  }

  /** @param baseUrl where this API is reached from outside, for {@code url} mode, e.g. {@code http://host:3000} */
  public Future<String> render(String mimeType, byte[] bytes, String baseUrl) {
    return switch (mode) {
      case MARKDOWN -> Future.succeededFuture(markdown(dataUrl(mimeType, bytes)));
      case DATAURL -> Future.succeededFuture(dataUrl(mimeType, bytes));
      case URL -> link(mimeType, bytes, baseUrl).map(ImageOutput::markdown);
    };
  }

  /** Stores the image in the cluster; the future holds its link, {@code <baseUrl>/v1/images/<id>.<ext>}. */
  public Future<String> link(String mimeType, byte[] bytes, String baseUrl) {
    return storable(mimeType, bytes)
        .compose(v -> store.put(mimeType, bytes))
        .map(name -> baseUrl + "/v1/images/" + name);
  }

  /** The cluster's image map holds only the four image types, each at most {@code maxStoredBytes}. */
  private Future<Void> storable(String mimeType, byte[] bytes) {
    if (!ImageStore.EXTENSIONS.containsKey(mimeType)) {
      return Future.failedFuture(new ApiException(ErrorCode.GENERATION_FAILED, null,
          "the worker sent an image of type " + mimeType + ", not PNG, JPEG, WebP or GIF"));
    }
    if (bytes.length > maxStoredBytes) {
      return Future.failedFuture(new ApiException(ErrorCode.GENERATION_FAILED, null, "the image is " + bytes.length
          + " bytes, more than api.images.maxStoredBytes (" + maxStoredBytes + ") allows in url mode"));
    }
    return Future.succeededFuture();
  }

  /** An image a durable job stored under {@code name}: a link to it, or its bytes read back for the data URL. */
  public Future<String> renderStored(String name, String mimeType, String baseUrl) {
    if (mode == ImageOutputMode.URL) {
      return Future.succeededFuture(markdown(baseUrl + "/v1/images/" + name));
    }
    return store.get(name).compose(bytes -> bytes == null
        ? Future.failedFuture("image " + name + " expired")
        : Future.succeededFuture(mode == ImageOutputMode.DATAURL ? dataUrl(mimeType, bytes.getBytes())
            : markdown(dataUrl(mimeType, bytes.getBytes()))));
  }

  /** Base64 once, here at the edge: the bytes travel raw from the worker. */
  private static String dataUrl(String mimeType, byte[] bytes) {
    return "data:" + mimeType + ";base64," + Base64.getEncoder().encodeToString(bytes);
  }

  private static String markdown(String target) {
    return "![generated](" + target + ")";
  }
}

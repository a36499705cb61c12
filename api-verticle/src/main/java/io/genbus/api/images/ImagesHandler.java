package io.genbus.api.images;

import io.genbus.api.errors.ApiException;
import io.genbus.protocol.ErrorCode;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * {@code GET /v1/images/{id}.{ext}}: an image stored in {@code url} output mode, from any API node of the
 * cluster. No API key is asked: the unguessable name is the permission, so the URL works in a browser or
 * a markdown viewer. Only PNG, JPEG, WebP and GIF are served, with {@code X-Content-Type-Options: nosniff}
 * so that a browser never takes the bytes for anything but the image type the name says.
 */
public final class ImagesHandler {

  private static final Pattern NAME = Pattern.compile("[0-9a-f]{32}\\.(" + String.join("|", ImageStore.EXTENSIONS.values()) + ")");

  private final ImageStore store;

  public ImagesHandler(ImageStore store) {
    this.store = store;
  }

  public void handle(RoutingContext ctx) {
    String name = ctx.pathParam("file");
    if (!NAME.matcher(name).matches()) {
      ctx.fail(new ApiException(ErrorCode.IMAGE_NOT_FOUND, null, name));
      return;
    }
    store.get(name).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else if (ar.result() == null) {
        ctx.fail(new ApiException(ErrorCode.IMAGE_NOT_FOUND, null, name));
      } else {
        ctx.response()
            .putHeader("Content-Type", ImageStore.mimeTypeOf(name))
            .putHeader("Cache-Control", "private, max-age=3600")
            .putHeader("X-Content-Type-Options", "nosniff")
            .end(ar.result());
      }
    });
  }
}

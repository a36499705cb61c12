package io.genbus.api.errors;

import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ErrorLanguage;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes errors in OpenAI's shape, {@code {"error":{"message","type","param","code"}}}, in the configured
 * language. Also the router's handler for the statuses vertx-web raises itself (404, 405, 413).
 */
public final class ErrorResponses {

  private final ErrorLanguage language;
  private final long maxBodyBytes;

  public ErrorResponses(ErrorLanguage language, long maxBodyBytes) {
    this.language = language;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** The error object (the value of {@code "error"}). */
  public JsonObject error(ErrorCode code, String param, String message) {
    return new JsonObject()
        .put("message", message)
        .put("type", code.type())
        .put("param", param)
        .put("code", code.code());
  }

  public JsonObject body(ApiException e) {
    return new JsonObject().put("error", error(e.code(), e.param(), e.code().message(language, e.args())));
  }

  public JsonObject body(ErrorCode code, String message) {
    return new JsonObject().put("error", error(code, null, message));
  }

  public void send(RoutingContext ctx, ApiException e) {
    if (e.retryAfterSeconds() > 0 && !ctx.response().headWritten()) {
      ctx.response().putHeader("Retry-After", String.valueOf(e.retryAfterSeconds()));
    }
    send(ctx.response(), e.code().status(), body(e));
  }

  public void send(HttpServerResponse response, int status, JsonObject body) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      response.end();
      return;
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  /** Failure handler for the whole router: an {@link ApiException}, a status raised by vertx-web, or a bug. */
  public void handleFailure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiException e) {
      send(ctx, e);
      return;
    }
    int status = ctx.statusCode();
    ApiException mapped = switch (status) {
      case 413 -> new ApiException(ErrorCode.REQUEST_TOO_LARGE, null, maxBodyBytes);
      case 404, 405 -> new ApiException(ErrorCode.NOT_FOUND, null, ctx.request().method(), ctx.request().path());
      default -> null;
    };
    if (mapped != null) {
      send(ctx.response(), status, body(mapped));
    } else {
      String what = failure == null ? "status " + status : failure.getClass().getSimpleName();
      send(ctx.response(), 500, body(new ApiException(ErrorCode.INTERNAL_ERROR, null, what)));
    }
  }
}

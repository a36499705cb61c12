package io.genbus.client;

import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.JobError;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * A genbus request or job that failed, typed as the HTTP API would answer it: the {@link ErrorCode}, the HTTP
 * status, OpenAI's error {@code code} and {@code param}, the message, and, for a limit, how many seconds to wait.
 */
public final class GenbusException extends RuntimeException {

  private final ErrorCode errorCode;
  private final String code;
  private final int status;
  private final String param;
  private final int retryAfterSeconds;

  public GenbusException(String code, int status, String message, String param, int retryAfterSeconds) {
    super(message);
    this.errorCode = ErrorCode.fromCode(code);
    this.code = code;
    this.status = status;
    this.param = param;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The error as genbus knows it ({@code GENERATION_FAILED} for a code this client does not know). */
  public ErrorCode errorCode() {
    return errorCode;
  }

  /** OpenAI's {@code code} string, e.g. {@code MODEL_NOT_FOUND} or {@code rate_limit_exceeded}. */
  public String code() {
    return code;
  }

  /** The HTTP status the same error has over HTTP. */
  public int status() {
    return status;
  }

  /** The offending parameter, or null. */
  public String param() {
    return param;
  }

  /** Seconds to wait before trying again (a limit's {@code Retry-After}), 0 when not said. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** Whether the same request may succeed later (a limit, a queue, a node going away). */
  public boolean retryable() {
    return errorCode.retryable() || status == 429;
  }

  /** A job's failure, as its last event says. */
  static GenbusException of(JobError error) {
    ErrorCode known = ErrorCode.fromCode(error.code());
    return new GenbusException(error.code(), known.status(), error.message(), null, 0);
  }

  /**
   * What an API node's failure reply says ({@code (status, {"error": {…}, "retry_after"?})}); a request no API
   * node answered is {@link ErrorCode#API_UNAVAILABLE}.
   */
  static GenbusException of(Throwable failure) {
    if (failure instanceof GenbusException e) {
      return e;
    }
    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      try {
        JsonObject body = new JsonObject(reply.getMessage());
        JsonObject error = body.getJsonObject("error");
        return new GenbusException(error.getString("code"), reply.failureCode(), error.getString("message"),
            error.getString("param"), body.getInteger("retry_after", 0));
      } catch (DecodeException | ClassCastException | NullPointerException e) {
        return new GenbusException(ErrorCode.INTERNAL_ERROR.code(), reply.failureCode(), reply.getMessage(), null, 0);
      }
    }
    String why = failure instanceof ReplyException reply ? reply.failureType().name().toLowerCase() : failure.toString();
    return new GenbusException(ErrorCode.API_UNAVAILABLE.code(), ErrorCode.API_UNAVAILABLE.status(),
        "No genbus API node answered on the event bus (" + why + ")", null, 0);
  }
}

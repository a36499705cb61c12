package io.genbus.api.errors;

import io.genbus.protocol.ErrorCode;

/** A request that fails with an OpenAI-shaped error: a code, the offending parameter, and message arguments. */
public class ApiException extends RuntimeException {

  private final ErrorCode code;
  private final String param;
  private final transient Object[] args;
  private int retryAfterSeconds;

  public ApiException(ErrorCode code, String param, Object... args) {
    super(code.name() + (param == null ? "" : " (" + param + ")"));
    this.code = code;
    this.param = param;
    this.args = args.clone();
  }

  public ErrorCode code() {
    return code;
  }

  public String param() {
    return param;
  }

  /** Asks the client to wait this long before trying again (the {@code Retry-After} header). */
  public ApiException retryAfter(int seconds) {
    this.retryAfterSeconds = seconds;
    return this;
  }

  /** The {@code Retry-After} seconds, or 0 for none. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public Object[] args() {
    return args.clone();
  }
}

package io.genbus.api.errors;

import io.genbus.protocol.ErrorCode;

/** A request that fails with an OpenAI-shaped error: a code, the offending parameter, and message arguments. */
public class ApiException extends RuntimeException {

  private final ErrorCode code;
  private final String param;
  private final transient Object[] args;

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

  public Object[] args() {
    return args.clone();
  }
}

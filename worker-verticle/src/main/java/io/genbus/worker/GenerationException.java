package io.genbus.worker;

import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.JobError;

/** A generation that failed, with a message that is safe to show the client. */
public class GenerationException extends RuntimeException {

  private final ErrorCode code;

  public GenerationException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  public JobError toJobError() {
    return JobError.of(code, getMessage());
  }

  /** A cancelled job; the client is gone, so the message is for logs only. */
  public static GenerationException cancelled() {
    return new GenerationException(ErrorCode.GENERATION_FAILED, "cancelled");
  }
}

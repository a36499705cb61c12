package io.genbus.protocol;

/**
 * Why a job failed, as carried by an ERROR {@link JobEvent}.
 *
 * @param code      one of {@link ErrorCode}'s codes
 * @param message   a message safe to show the client (never a secret)
 * @param retryable whether another worker could succeed where this one failed
 */
public record JobError(String code, String message, boolean retryable) {

  public static JobError of(ErrorCode code, String message) {
    return new JobError(code.code(), message, code.retryable());
  }
}

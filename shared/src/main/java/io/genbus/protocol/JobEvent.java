package io.genbus.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One event of a job, sent by the worker to {@link Job#replyTo()}. A {@code PROGRESS} heartbeat is a
 * request: the API verticle acknowledges it, or fails it with {@link ErrorCode#UNKNOWN_JOB} when the job is
 * gone there, which tells the worker to stop; the other types are plain sends. Events of one job arrive in
 * the order they were sent.
 *
 * <p>Only the fields of the event's type are set; the others are null and left out of the message.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobEvent(
    String jobId,
    /* The worker backend that sends it: after a failover, events of the old attempt are told apart. */
    String workerId,
    Type type,
    /* PROGRESS: "running"; TEXT, and DONE carrying the last piece: the text. */
    String text,
    /* IMAGE, PARTIAL_IMAGE, and DONE carrying the last piece: e.g. image/png. */
    String mimeType,
    /* IMAGE, PARTIAL_IMAGE, and DONE carrying the last piece: the image bytes (raw on the wire: the codec is binary). */
    byte[] data,
    /* ERROR: what went wrong. */
    JobError error,
    /* Durable jobs: the event's number within the attempt (1, 2, …), so that events a worker sends again after
       an adoption are recognised. Null for heartbeats and for jobs that are not durable. */
    Integer seq) {

  public enum Type {
    /** The job's heartbeat: still running. */
    PROGRESS,
    /** A piece of text output. */
    TEXT,
    /** One generated image. */
    IMAGE,
    /** A partial image (the Images API's {@code partial_images}): a preview of the image to come, not content. */
    PARTIAL_IMAGE,
    /**
     * The job finished successfully; nothing follows. It may carry the job's last piece of content — a
     * text, or an image — so that a job with one result needs one event, not two.
     */
    DONE,
    /** The job failed; nothing follows. */
    ERROR
  }

  public static JobEvent progress(String jobId, String workerId, String stage) {
    return new JobEvent(jobId, workerId, Type.PROGRESS, stage, null, null, null, null);
  }

  public static JobEvent text(String jobId, String workerId, String text) {
    return new JobEvent(jobId, workerId, Type.TEXT, text, null, null, null, null);
  }

  public static JobEvent image(String jobId, String workerId, String mimeType, byte[] bytes) {
    return new JobEvent(jobId, workerId, Type.IMAGE, null, mimeType, bytes, null, null);
  }

  public static JobEvent partialImage(String jobId, String workerId, String mimeType, byte[] bytes) {
    return new JobEvent(jobId, workerId, Type.PARTIAL_IMAGE, null, mimeType, bytes, null, null);
  }

  public static JobEvent done(String jobId, String workerId) {
    return new JobEvent(jobId, workerId, Type.DONE, null, null, null, null, null);
  }

  /** DONE with the last piece of text. */
  public static JobEvent doneWithText(String jobId, String workerId, String text) {
    return new JobEvent(jobId, workerId, Type.DONE, text, null, null, null, null);
  }

  /** DONE with the last image. */
  public static JobEvent doneWithImage(String jobId, String workerId, String mimeType, byte[] bytes) {
    return new JobEvent(jobId, workerId, Type.DONE, null, mimeType, bytes, null, null);
  }

  public static JobEvent error(String jobId, String workerId, JobError error) {
    return new JobEvent(jobId, workerId, Type.ERROR, null, null, null, error, null);
  }

  /** This event numbered {@code n} within its attempt (durable jobs). */
  public JobEvent withSeq(int n) {
    return new JobEvent(jobId, workerId, type, text, mimeType, data, error, n);
  }

  /** Without the image bytes, which do not belong in a log line. */
  @Override
  public String toString() {
    return "JobEvent[" + jobId + ", " + workerId + ", " + type + (text == null ? "" : ", " + text)
        + (data == null ? "" : ", " + mimeType + " " + data.length + " bytes") + (error == null ? "" : ", " + error)
        + (seq == null ? "" : ", #" + seq) + "]";
  }

  public boolean terminal() {
    return type == Type.DONE || type == Type.ERROR;
  }
}

package io.genbus.client;

/**
 * One event of a job, in order. {@code seq} is the job's own event number (from 1; a status change carries the
 * number of the last event before it): a stream resumed after it never repeats or skips one.
 *
 * @param jobId    the job
 * @param type     what happened
 * @param seq      the event's number in the job's record
 * @param status   STATUS: {@code queued} or {@code running}
 * @param text     TEXT: a piece of text
 * @param mimeType IMAGE: e.g. {@code image/png}
 * @param data     IMAGE: the image's bytes
 * @param error    ERROR: why the job failed
 */
public record GenbusEvent(String jobId, Type type, int seq, String status, String text, String mimeType, byte[] data,
                          GenbusException error) {

  public enum Type {
    /** The job is queued, or running (again, after a failover). */
    STATUS,
    /** A piece of text output. */
    TEXT,
    /** One generated image. */
    IMAGE,
    /** The job succeeded; the last event. */
    DONE,
    /** The job failed or was cancelled; the last event. */
    ERROR
  }

  public boolean last() {
    return type == Type.DONE || type == Type.ERROR;
  }
}

package io.genbus.protocol;

import java.util.List;

/**
 * The reply to {@link Addresses#JOBS_EVENTS}: a durable job's status and its events after the asked number,
 * in order. Image bytes travel raw (the codec is binary). A reply holds at most about 16 MiB of images:
 * {@code more} says that further events are already there, to be asked for after the last one received.
 *
 * @param jobId  the job
 * @param status {@code queued}, {@code running}, {@code succeeded}, {@code failed} or {@code cancelled}
 * @param events the events after the asked number, oldest first
 * @param more   true when the reply stopped early: ask again from the last event's {@code seq}
 */
public record JobLog(String jobId, String status, List<Entry> events, boolean more) {

  public JobLog {
    events = events == null ? List.of() : List.copyOf(events);
  }

  /**
   * One event of the job's record.
   *
   * @param seq      its number, from 1 (the SSE {@code id:} of {@code GET /v1/jobs/{id}/events})
   * @param type     {@code text}, {@code image}, {@code done} (the last, success) or {@code error} (the last, failure)
   * @param text     text: the piece of text
   * @param mimeType image: e.g. {@code image/png}
   * @param data     image: the bytes
   * @param error    error: why the job failed or was cancelled
   */
  public record Entry(int seq, String type, String text, String mimeType, byte[] data, JobError error) {

    public static final String TEXT = "text";
    public static final String IMAGE = "image";
    public static final String DONE = "done";
    public static final String ERROR = "error";

    public boolean last() {
      return type.equals(DONE) || type.equals(ERROR);
    }
  }
}

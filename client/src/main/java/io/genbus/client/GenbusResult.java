package io.genbus.client;

import java.util.List;

/**
 * What a job made: its text (the pieces joined) and its images, in order.
 *
 * @param jobId  the job, also {@code GET /v1/jobs/{id}} over HTTP
 * @param text   the text output, empty when there is none
 * @param images the generated images
 */
public record GenbusResult(String jobId, String text, List<Image> images) {

  public GenbusResult {
    images = List.copyOf(images);
  }

  /** One image: its type and bytes. */
  public record Image(String mimeType, byte[] data) {
  }
}

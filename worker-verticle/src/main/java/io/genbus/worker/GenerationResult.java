package io.genbus.worker;

import java.util.List;

/**
 * What a {@link Generator} made: optional text and zero or more images, streamed to the client in that order.
 */
public record GenerationResult(String text, List<GeneratedImage> images) {

  public GenerationResult {
    images = images == null ? List.of() : List.copyOf(images);
  }

  /** One image: its media type and encoded bytes. */
  public record GeneratedImage(String mimeType, byte[] bytes) {
  }
}

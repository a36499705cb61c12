package io.genbus.worker;

import io.genbus.protocol.InputImage;
import io.genbus.protocol.Job;
import java.util.List;

/**
 * What a {@link Generator} is asked to make.
 *
 * @param images input images (JPEG bytes, already checked and scaled by the API node), for image-to-image;
 *               empty for text-to-image
 */
public record GenerationRequest(String jobId, String model, String prompt, Long seed, List<InputImage> images) {

  public GenerationRequest {
    images = images == null ? List.of() : List.copyOf(images);
  }

  public static GenerationRequest of(Job job) {
    return new GenerationRequest(job.id(), job.model(), job.prompt(), job.seed(), job.images());
  }
}

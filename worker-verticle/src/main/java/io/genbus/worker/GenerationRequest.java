package io.genbus.worker;

import io.genbus.protocol.ImageOptions;
import io.genbus.protocol.InputImage;
import io.genbus.protocol.Job;
import java.util.List;

/**
 * What a {@link Generator} is asked to make.
 *
 * @param images  input images (JPEG bytes, already checked and scaled by the API node), for image-to-image;
 *                empty for text-to-image
 * @param options the Images API's parameters, or null for a chat completions job (the backend's defaults)
 * @param mask    an edit's mask (PNG, transparent where the image should change), or null
 */
public record GenerationRequest(String jobId, String model, String prompt, Long seed, List<InputImage> images,
                                ImageOptions options, InputImage mask) {

  public GenerationRequest {
    images = images == null ? List.of() : List.copyOf(images);
  }

  /** A chat completions request: no image parameters. */
  public GenerationRequest(String jobId, String model, String prompt, Long seed, List<InputImage> images) {
    this(jobId, model, prompt, seed, images, null, null);
  }

  public static GenerationRequest of(Job job) {
    return new GenerationRequest(job.id(), job.model(), job.prompt(), job.seed(), job.images(), job.options(), job.mask());
  }

  /** How many partial images the client asked for (0 without the Images API). */
  public int partialImages() {
    return options == null ? 0 : options.partialImages();
  }
}

package io.genbus.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/**
 * A generation job, sent by an API verticle to {@link Addresses#model(String, String)}.
 *
 * @param id        unique job id (also the request id the client sees in logs)
 * @param model     model name as the client asked for it
 * @param prompt    the prompt: text of the last user message
 * @param seed      optional seed; same prompt and seed give the same image on deterministic backends
 * @param replyTo   the API verticle's events address, where {@link JobEvent}s go
 * @param createdAt epoch millis when the API took the request
 * @param images    the input images (those of the last user message, or an edit's), converted to JPEG; may be empty
 * @param options   the Images API's parameters; null for a chat completions job (the backend's defaults apply)
 * @param mask      an edit's mask (PNG with alpha: transparent where the image should change), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Job(String id, String model, String prompt, Long seed, String replyTo, long createdAt,
                  List<InputImage> images, ImageOptions options, InputImage mask) {

  /** A chat completions job: no image parameters, no mask. */
  public Job(String id, String model, String prompt, Long seed, String replyTo, long createdAt, List<InputImage> images) {
    this(id, model, prompt, seed, replyTo, createdAt, images, null, null);
  }

  public Job {
    images = images == null ? List.of() : List.copyOf(images);
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(replyTo, "replyTo");
  }
}

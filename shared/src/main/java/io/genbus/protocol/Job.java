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
 * @param adoptionGraceMs 0 for a job that lives only as long as its request: a worker stops it as soon as its
 *                  API node is unreachable. A durable job (recorded in the cluster, see docs/protocol.md "Durable
 *                  jobs") keeps running that long after its API node stopped answering, waiting for another API
 *                  node to adopt it ({@link JobMoved}); its final event is then acknowledged
 * @param finalAsReply true when the sender takes a final {@link JobEvent} as the reply to this request: a worker
 *                  then holds its {@link JobAccepted} back for a moment, and a job that ends within it is answered
 *                  by its final event alone (one message instead of two). Only for jobs that are not durable (a
 *                  durable job's final event must be acknowledged); false from senders that expect
 *                  {@link JobAccepted} only
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Job(String id, String model, String prompt, Long seed, String replyTo, long createdAt,
                  List<InputImage> images, ImageOptions options, InputImage mask, long adoptionGraceMs,
                  JobOrigin origin, boolean finalAsReply) {

  /** A job whose sender expects {@link JobAccepted} as the reply. */
  public Job(String id, String model, String prompt, Long seed, String replyTo, long createdAt,
             List<InputImage> images, ImageOptions options, InputImage mask, long adoptionGraceMs, JobOrigin origin) {
    this(id, model, prompt, seed, replyTo, createdAt, images, options, mask, adoptionGraceMs, origin, false);
  }

  /** A job without an origin (set with {@link #withOrigin}). */
  public Job(String id, String model, String prompt, Long seed, String replyTo, long createdAt,
             List<InputImage> images, ImageOptions options, InputImage mask, long adoptionGraceMs) {
    this(id, model, prompt, seed, replyTo, createdAt, images, options, mask, adoptionGraceMs, null);
  }

  /** A chat completions job that lives only as long as its request: no image parameters, no mask. */
  public Job(String id, String model, String prompt, Long seed, String replyTo, long createdAt, List<InputImage> images) {
    this(id, model, prompt, seed, replyTo, createdAt, images, null, null, 0);
  }

  /** An Images API job that lives only as long as its request. */
  public Job(String id, String model, String prompt, Long seed, String replyTo, long createdAt, List<InputImage> images,
             ImageOptions options, InputImage mask) {
    this(id, model, prompt, seed, replyTo, createdAt, images, options, mask, 0);
  }

  /** A durable chat completions job. */
  public Job(String id, String model, String prompt, Long seed, String replyTo, long createdAt,
             List<InputImage> images, long adoptionGraceMs) {
    this(id, model, prompt, seed, replyTo, createdAt, images, null, null, adoptionGraceMs);
  }

  public Job {
    images = images == null ? List.of() : List.copyOf(images);
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(replyTo, "replyTo");
  }

  public boolean durable() {
    return adoptionGraceMs > 0;
  }

  /** The same job with its events going to another API node's address (it was adopted). */
  public Job withReplyTo(String newReplyTo) {
    return new Job(id, model, prompt, seed, newReplyTo, createdAt, images, options, mask, adoptionGraceMs, origin,
        finalAsReply);
  }

  /** The same job, asked for by {@code newOrigin}. */
  public Job withOrigin(JobOrigin newOrigin) {
    return new Job(id, model, prompt, seed, replyTo, createdAt, images, options, mask, adoptionGraceMs, newOrigin,
        finalAsReply);
  }

  /** The same job, sent by one that takes a final event as the reply ({@link #finalAsReply}); durable jobs never are. */
  public Job withFinalAsReply() {
    return durable() || finalAsReply ? this
        : new Job(id, model, prompt, seed, replyTo, createdAt, images, options, mask, adoptionGraceMs, origin, true);
  }

  /** The tenant that asked for it ({@code default} when unknown). */
  public String tenant() {
    return origin == null || origin.tenant() == null ? "default" : origin.tenant();
  }
}

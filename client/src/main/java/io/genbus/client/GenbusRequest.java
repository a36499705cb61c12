package io.genbus.client;

import io.genbus.protocol.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.Objects;

/**
 * What to ask genbus for: an endpoint of the HTTP API and its JSON body, exactly as over HTTP. {@link #chat}
 * builds the common one (a prompt, optionally with input images: image-to-image).
 */
public final class GenbusRequest {

  public static final String CHAT_COMPLETIONS = Addresses.CHAT_COMPLETIONS;
  public static final String IMAGES_GENERATIONS = Addresses.IMAGES_GENERATIONS;
  public static final String IMAGES_EDITS = Addresses.IMAGES_EDITS;

  private final String endpoint;
  private final JsonObject body;

  private GenbusRequest(String endpoint, JsonObject body) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.body = Objects.requireNonNull(body, "body").copy();
  }

  /**
   * Any body of an endpoint the API nodes take on the bus: {@code /v1/chat/completions},
   * {@code /v1/images/generations}, {@code /v1/images/edits} (JSON, input images as data URLs).
   */
  public static GenbusRequest of(String endpoint, JsonObject body) {
    return new GenbusRequest(endpoint, body);
  }

  /** A chat completions request of one user message: {@code prompt}, to {@code model}. */
  public static GenbusRequest chat(String model, String prompt) {
    return new GenbusRequest(CHAT_COMPLETIONS, new JsonObject()
        .put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user")
            .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", prompt))))));
  }

  /** An Images API generation: {@code n} images of {@code size} ({@code WxH} or {@code auto}) for {@code prompt}. */
  public static GenbusRequest images(String model, String prompt, int n, String size) {
    return new GenbusRequest(IMAGES_GENERATIONS, new JsonObject().put("model", model).put("prompt", prompt).put("n", n)
        .put("size", size));
  }

  /** The same request with an input image (image-to-image), sent as a data URL as over HTTP. */
  public GenbusRequest withImage(String mimeType, byte[] bytes) {
    GenbusRequest copy = new GenbusRequest(endpoint, body);
    JsonArray messages = copy.body.getJsonArray("messages");
    JsonObject last = messages.getJsonObject(messages.size() - 1);
    if (!(last.getValue("content") instanceof JsonArray)) {
      last.put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", last.getString("content"))));
    }
    last.getJsonArray("content").add(new JsonObject().put("type", "image_url").put("image_url",
        new JsonObject().put("url", "data:" + mimeType + ";base64," + Base64.getEncoder().encodeToString(bytes))));
    return copy;
  }

  /** The same request with a {@code seed} (a deterministic backend then makes the same image again). */
  public GenbusRequest withSeed(long seed) {
    GenbusRequest copy = new GenbusRequest(endpoint, body);
    copy.body.put("seed", seed);
    return copy;
  }

  public String endpoint() {
    return endpoint;
  }

  public JsonObject body() {
    return body.copy();
  }

  /** The submit message: {@code {endpoint, body}}. */
  JsonObject toMessage() {
    return new JsonObject().put("endpoint", endpoint).put("body", body.copy());
  }
}

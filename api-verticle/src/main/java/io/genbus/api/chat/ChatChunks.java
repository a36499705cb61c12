package io.genbus.api.chat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The JSON bodies of the chat completions API for one request: the whole completion, and the chunks of
 * a stream (all with the same {@code id} and {@code created}).
 */
public final class ChatChunks {

  private final String id;
  private final long created;
  private final String model;

  public ChatChunks(String id, long created, String model) {
    this.id = id;
    this.created = created;
    this.model = model;
  }

  public JsonObject completion(String content) {
    JsonObject message = new JsonObject().put("role", "assistant").put("content", content).putNull("refusal");
    return new JsonObject()
        .put("id", id)
        .put("object", "chat.completion")
        .put("created", created)
        .put("model", model)
        .put("choices", new JsonArray().add(new JsonObject()
            .put("index", 0)
            .put("message", message)
            .putNull("logprobs")
            .put("finish_reason", "stop")))
        .put("usage", new JsonObject().put("prompt_tokens", 0).put("completion_tokens", 0).put("total_tokens", 0));
  }

  /** The first chunk: the assistant role with empty content. */
  public JsonObject roleChunk() {
    return chunk(new JsonObject().put("role", "assistant").put("content", ""), null);
  }

  public JsonObject contentChunk(String content, boolean last) {
    return chunk(new JsonObject().put("content", content), last ? "stop" : null);
  }

  /** An empty-delta chunk: a keep-alive that is data, for clients that ignore SSE comments. */
  public JsonObject emptyChunk() {
    return chunk(new JsonObject(), null);
  }

  private JsonObject chunk(JsonObject delta, String finishReason) {
    return new JsonObject()
        .put("id", id)
        .put("object", "chat.completion.chunk")
        .put("created", created)
        .put("model", model)
        .put("choices", new JsonArray().add(new JsonObject()
            .put("index", 0)
            .put("delta", delta)
            .put("finish_reason", finishReason)));
  }
}

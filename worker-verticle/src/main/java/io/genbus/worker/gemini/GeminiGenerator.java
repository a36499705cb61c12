package io.genbus.worker.gemini;

import io.genbus.config.GeminiBackendConfig;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.InputImage;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationRequest;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.genbus.worker.Generator;
import io.genbus.worker.upstream.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Google's Generative Language API: {@code POST {baseUrl}/v1beta/models/{model}:generateContent} with the
 * prompt and the input images as {@code inlineData}, asking for TEXT and IMAGE. A blocked prompt or image
 * is a final {@code content_blocked} error that says why.
 */
public final class GeminiGenerator implements Generator {

  /** Finish reasons that mean the model refused to produce the image. */
  static final Set<String> BLOCKED = Set.of("SAFETY", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "PROHIBITED_CONTENT",
      "BLOCKLIST", "SPII", "RECITATION", "IMAGE_RECITATION", "NO_IMAGE", "IMAGE_OTHER");

  private final GeminiBackendConfig config;
  private final Upstream upstream;

  public GeminiGenerator(Vertx vertx, GeminiBackendConfig config) {
    this.config = config;
    this.upstream = new Upstream(vertx, "Gemini", config);
  }

  @Override
  public Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation) {
    String model = config.upstreamModel() != null ? config.upstreamModel() : request.model();
    String url = upstream.baseUrl() + "/v1beta/models/" + model + ":generateContent";
    Buffer body = requestBody(request).toBuffer();
    return upstream.call(key -> upstream.client().postAbs(url)
            .putHeader("x-goog-api-key", key)
            .putHeader("Content-Type", "application/json")
            .timeout(upstream.timeoutMs())
            .sendBuffer(body)
            .map(Upstream.Answer::of),
        GeminiGenerator::result, cancellation);
  }

  JsonObject requestBody(GenerationRequest request) {
    JsonArray parts = new JsonArray();
    if (!request.prompt().isEmpty()) {
      parts.add(new JsonObject().put("text", request.prompt()));
    }
    for (InputImage image : request.images()) {
      parts.add(new JsonObject().put("inlineData",
          new JsonObject().put("mimeType", image.mimeType()).put("data", Base64.getEncoder().encodeToString(image.data()))));
    }
    JsonObject generationConfig = new JsonObject().put("responseModalities", new JsonArray().add("TEXT").add("IMAGE"));
    JsonObject imageConfig = new JsonObject();
    if (config.aspectRatio() != null) {
      imageConfig.put("aspectRatio", config.aspectRatio());
    }
    if (config.imageSize() != null) {
      imageConfig.put("imageSize", config.imageSize());
    }
    if (!imageConfig.isEmpty()) {
      generationConfig.put("imageConfig", imageConfig);
    }
    return new JsonObject()
        .put("contents", new JsonArray().add(new JsonObject().put("role", "user").put("parts", parts)))
        .put("generationConfig", generationConfig);
  }

  static GenerationResult result(Upstream.Answer response) {
    JsonObject body = response.json();
    if (body == null) {
      throw new GenerationException(ErrorCode.UPSTREAM_ERROR, "Gemini answered with an empty body");
    }
    JsonObject feedback = body.getJsonObject("promptFeedback");
    if (feedback != null && feedback.getString("blockReason") != null) {
      throw new GenerationException(ErrorCode.CONTENT_BLOCKED, "Gemini blocked the prompt (" + feedback.getString("blockReason") + ")");
    }
    JsonArray candidates = body.getJsonArray("candidates");
    if (candidates == null || candidates.isEmpty()) {
      throw new GenerationException(ErrorCode.UPSTREAM_ERROR, "Gemini answered with no candidate");
    }
    JsonObject candidate = candidates.getJsonObject(0);
    StringBuilder text = new StringBuilder();
    List<GeneratedImage> images = new ArrayList<>();
    JsonObject content = candidate.getJsonObject("content");
    JsonArray parts = content == null ? null : content.getJsonArray("parts");
    if (parts != null) {
      for (int i = 0; i < parts.size(); i++) {
        JsonObject part = parts.getJsonObject(i);
        if (part.getBoolean("thought", false)) {
          continue; // the model's reasoning, not its answer
        }
        if (part.getString("text") != null) {
          text.append(part.getString("text"));
        }
        JsonObject inline = part.getJsonObject("inlineData");
        if (inline != null && inline.getString("data") != null) {
          images.add(new GeneratedImage(inline.getString("mimeType", "image/png"),
              Base64.getDecoder().decode(inline.getString("data"))));
        }
      }
    }
    String finish = candidate.getString("finishReason");
    if (images.isEmpty() && finish != null && BLOCKED.contains(finish)) {
      String why = candidate.getString("finishMessage");
      throw new GenerationException(ErrorCode.CONTENT_BLOCKED, "Gemini did not make the image (" + finish + ")"
          + (why == null ? "" : ": " + why));
    }
    if (images.isEmpty() && text.isEmpty()) {
      throw new GenerationException(ErrorCode.UPSTREAM_ERROR, "Gemini answered with neither text nor image"
          + (finish == null ? "" : " (" + finish + ")"));
    }
    return new GenerationResult(text.isEmpty() ? null : text.toString(), images);
  }

  @Override
  public Future<Void> close() {
    upstream.close();
    return Future.succeededFuture();
  }
}

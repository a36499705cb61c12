package io.genbus.worker.gemini;

import io.genbus.config.GeminiBackendConfig;
import io.genbus.protocol.Capabilities;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ImageOptions;
import io.genbus.protocol.InputImage;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationRequest;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.genbus.worker.upstream.Answer;
import io.genbus.worker.upstream.ImageBytes;
import io.genbus.worker.upstream.Upstream;
import io.genbus.worker.upstream.UpstreamGenerator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Google's Generative Language API: {@code POST {baseUrl}/v1beta/models/{model}:generateContent} with the
 * prompt and the input images as {@code inlineData}, asking for TEXT and IMAGE. A blocked prompt or image
 * is a final {@code content_blocked} error that says why.
 */
public final class GeminiGenerator extends UpstreamGenerator {

  /** Finish reasons that mean the model refused to produce the image. */
  static final Set<String> BLOCKED = Set.of("SAFETY", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "PROHIBITED_CONTENT",
      "BLOCKLIST", "SPII", "RECITATION", "IMAGE_RECITATION", "NO_IMAGE", "IMAGE_OTHER");
  private static final Logger LOG = LoggerFactory.getLogger(GeminiGenerator.class);

  private final GeminiBackendConfig config;

  public GeminiGenerator(Vertx vertx, GeminiBackendConfig config) {
    super(vertx, "Gemini", config, null);
    this.config = config;
  }

  @Override
  public Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation) {
    String path = "/v1beta/models/" + upstream.model(request) + ":generateContent";
    Buffer body = requestBody(request).toBuffer();
    return upstream.call(key -> upstream.exchange(upstream.post(path)
                .putHeader("x-goog-api-key", key)
                .putHeader("Content-Type", "application/json"),
            call -> call.send(body), cancellation),
        GeminiGenerator::result, cancellation)
        .compose(this::checked);
  }

  /** The aspect ratios {@code imageConfig.aspectRatio} takes: a request's {@code size} maps to the nearest. */
  static final List<String> ASPECT_RATIOS = List.of("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9");

  @Override
  public Capabilities capabilities() {
    return new Capabilities(List.of("auto"), ASPECT_RATIOS, 1, 4096, Capabilities.MAX_N, true, false, false, 0,
        Capabilities.WRITTEN_FORMATS);
  }

  /** {@code imageConfig.imageSize} for a longest side: Gemini's 1K images are at most 1584 px long, 2K ones 3168. */
  static String imageSize(int longestSide) {
    return longestSide <= 1584 ? "1K" : longestSide <= 3168 ? "2K" : "4K";
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
    ImageOptions options = request.options();
    if (options != null && !options.autoSize()) { // the request's size wins over the configured defaults
      imageConfig.put("aspectRatio", Capabilities.nearestRatio(ASPECT_RATIOS, options.width(), options.height()));
      String tier = imageSize(Math.max(options.width(), options.height()));
      if (tier.equals("1K")) {
        imageConfig.remove("imageSize"); // Gemini's default; models without imageSize refuse the key
      } else {
        imageConfig.put("imageSize", tier);
      }
    }
    if (!imageConfig.isEmpty()) {
      generationConfig.put("imageConfig", imageConfig);
    }
    return new JsonObject()
        .put("contents", new JsonArray().add(new JsonObject().put("role", "user").put("parts", parts)))
        .put("generationConfig", generationConfig);
  }

  /** The answer's text and images; their bytes are checked to be images afterwards. */
  static GenerationResult result(Answer.Whole response) {
    JsonObject body = response.json();
    if (body == null) {
      throw new GenerationException(ErrorCode.UPSTREAM_ERROR, "Gemini answered with an empty body");
    }
    JsonObject feedback = body.getJsonObject("promptFeedback");
    if (feedback != null && feedback.getString("blockReason") != null) {
      throw new GenerationException(ErrorCode.CONTENT_BLOCKED, "Gemini blocked the prompt (" + Upstream.token(feedback.getString("blockReason")) + ")");
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
          images.add(new GeneratedImage(null, ImageBytes.base64("Gemini", inline.getString("data"))));
        }
      }
    }
    String finish = candidate.getString("finishReason");
    if (images.isEmpty() && finish != null && BLOCKED.contains(finish)) {
      LOG.info("Gemini did not make the image ({}): {}", finish, Upstream.forLog(candidate.getString("finishMessage")));
      throw new GenerationException(ErrorCode.CONTENT_BLOCKED, "Gemini did not make the image (" + finish + ")");
    }
    if (images.isEmpty() && text.isEmpty()) {
      throw new GenerationException(ErrorCode.UPSTREAM_ERROR, "Gemini answered with neither text nor image"
          + (finish == null ? "" : " (" + Upstream.token(finish) + ")"));
    }
    return new GenerationResult(text.isEmpty() ? null : text.toString(), images);
  }
}

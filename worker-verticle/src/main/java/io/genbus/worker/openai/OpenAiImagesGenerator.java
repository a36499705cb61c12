package io.genbus.worker.openai;

import io.genbus.config.OpenAiImagesBackendConfig;
import io.genbus.protocol.Capabilities;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ImageOptions;
import io.genbus.protocol.InputImage;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationRequest;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.upstream.Answer;
import io.genbus.worker.upstream.ImageBytes;
import io.genbus.worker.upstream.UpstreamGenerator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientMultipartForm;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenAI Images API or any server that speaks it: {@code POST /v1/images/generations} (JSON) for
 * text-to-image, {@code POST /v1/images/edits} (multipart, {@code image[]}) when the job has input images.
 * {@code b64_json} results are used as they are; {@code url} results are downloaded under {@code downloads}.
 */
public final class OpenAiImagesGenerator extends UpstreamGenerator {

  private static final String NAME = "the images API";
  private final OpenAiImagesBackendConfig config;

  public OpenAiImagesGenerator(Vertx vertx, OpenAiImagesBackendConfig config) {
    super(vertx, NAME, config, config.downloads());
    this.config = config;
  }

  @Override
  public Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation) {
    String model = upstream.model(request);
    return upstream.call(key -> request.images().isEmpty()
                ? generations(key, model, request, cancellation)
                : edits(key, model, request, cancellation),
            OpenAiImagesGenerator::refs, cancellation)
        .compose(refs -> images(refs, cancellation))
        .map(images -> new GenerationResult(null, images));
  }

  private Future<Answer.Whole> generations(String key, String model, GenerationRequest request, Cancellation cancellation) {
    JsonObject body = new JsonObject().put("model", model).put("prompt", request.prompt()).put("n", 1);
    body.mergeIn(options(request));
    return upstream.exchange(upstream.post("/v1/images/generations")
            .putHeader("Authorization", "Bearer " + key)
            .putHeader("Content-Type", "application/json"),
        call -> call.send(body.toBuffer()), cancellation);
  }

  private Future<Answer.Whole> edits(String key, String model, GenerationRequest request, Cancellation cancellation) {
    ClientMultipartForm form = ClientMultipartForm.multipartForm().attribute("model", model).attribute("prompt", request.prompt());
    options(request).forEach(entry -> form.attribute(entry.getKey(), String.valueOf(entry.getValue())));
    List<InputImage> images = request.images();
    for (int i = 0; i < images.size(); i++) {
      form.binaryFileUpload("image[]", "image-" + i + ".jpg", images.get(i).mimeType(), Buffer.buffer(images.get(i).data()));
    }
    if (request.mask() != null) {
      form.binaryFileUpload("mask", "mask.png", request.mask().mimeType(), Buffer.buffer(request.mask().data()));
    }
    return upstream.exchange(upstream.post("/v1/images/edits").putHeader("Authorization", "Bearer " + key),
        call -> call.send(form), cancellation);
  }

  @Override
  public Capabilities capabilities() {
    List<String> formats = new ArrayList<>(Capabilities.WRITTEN_FORMATS);
    formats.add("webp"); // made by the upstream itself
    return new Capabilities(config.sizes(), List.of(), 0, 0, Capabilities.MAX_N, true, true, true, 0, formats);
  }

  /** The configured defaults, and over them the image parameters the client set (passed through as they are). */
  private JsonObject options(GenerationRequest request) {
    JsonObject options = new JsonObject();
    if (config.size() != null) {
      options.put("size", config.size());
    }
    if (config.quality() != null) {
      options.put("quality", config.quality());
    }
    if (config.responseFormat() != null) {
      options.put("response_format", config.responseFormat());
    }
    ImageOptions asked = request.options();
    if (asked != null) {
      options.put("size", asked.size());
      putIfSet(options, "quality", asked.quality());
      putIfSet(options, "background", asked.background());
      putIfSet(options, "output_format", asked.outputFormat());
      putIfSet(options, "output_compression", asked.outputCompression());
      putIfSet(options, "user", asked.user());
    }
    return options;
  }

  private static void putIfSet(JsonObject json, String key, Object value) {
    if (value != null) {
      json.put(key, value);
    }
  }

  /** Each result: its base64 bytes, or its URL to download. */
  static List<ImageRef> refs(Answer.Whole response) {
    JsonArray data = response.json().getJsonArray("data");
    if (data == null || data.isEmpty()) {
      throw new GenerationException(ErrorCode.UPSTREAM_ERROR, NAME + " answered with no image");
    }
    List<ImageRef> refs = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      JsonObject item = data.getJsonObject(i);
      if (item.getString("b64_json") != null) {
        refs.add(ImageRef.inline(ImageBytes.base64(NAME, item.getString("b64_json"))));
      } else if (item.getString("url") != null) {
        refs.add(ImageRef.link(item.getString("url")));
      } else {
        throw new GenerationException(ErrorCode.UPSTREAM_ERROR, NAME + " answered an item with neither b64_json nor url");
      }
    }
    return refs;
  }
}

package io.genbus.worker.openai;

import io.genbus.config.OpenAiImagesBackendConfig;
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
import io.vertx.ext.web.multipart.MultipartForm;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The OpenAI Images API or any server that speaks it: {@code POST /v1/images/generations} (JSON) for
 * text-to-image, {@code POST /v1/images/edits} (multipart, {@code image[]}) when the job has input images.
 * {@code b64_json} results are used as they are; {@code url} results are downloaded, size-limited.
 */
public final class OpenAiImagesGenerator implements Generator {

  private final OpenAiImagesBackendConfig config;
  private final Upstream upstream;

  public OpenAiImagesGenerator(Vertx vertx, OpenAiImagesBackendConfig config) {
    this.config = config;
    this.upstream = new Upstream(vertx, "the images API", config);
  }

  @Override
  public Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation) {
    String model = config.upstreamModel() != null ? config.upstreamModel() : request.model();
    Future<JsonArray> data = request.images().isEmpty()
        ? upstream.call(key -> generations(key, model, request), OpenAiImagesGenerator::data, cancellation)
        : upstream.call(key -> edits(key, model, request), OpenAiImagesGenerator::data, cancellation);
    return data.compose(this::images).map(images -> new GenerationResult(null, images));
  }

  private Future<Upstream.Answer> generations(String key, String model, GenerationRequest request) {
    JsonObject body = new JsonObject().put("model", model).put("prompt", request.prompt()).put("n", 1);
    body.mergeIn(options());
    return upstream.client().postAbs(upstream.baseUrl() + "/v1/images/generations")
        .bearerTokenAuthentication(key)
        .timeout(upstream.timeoutMs())
        .sendJsonObject(body)
        .map(Upstream.Answer::of);
  }

  private Future<Upstream.Answer> edits(String key, String model, GenerationRequest request) {
    MultipartForm form = MultipartForm.create().attribute("model", model).attribute("prompt", request.prompt());
    options().forEach(entry -> form.attribute(entry.getKey(), String.valueOf(entry.getValue())));
    List<InputImage> images = request.images();
    for (int i = 0; i < images.size(); i++) {
      form.binaryFileUpload("image[]", "image-" + i + ".jpg", Buffer.buffer(images.get(i).data()),
          images.get(i).mimeType());
    }
    return upstream.client().postAbs(upstream.baseUrl() + "/v1/images/edits")
        .bearerTokenAuthentication(key)
        .timeout(upstream.timeoutMs())
        .sendMultipartForm(form)
        .map(Upstream.Answer::of);
  }

  private JsonObject options() {
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
    return options;
  }

  static JsonArray data(Upstream.Answer response) {
    JsonArray data = response.json().getJsonArray("data");
    if (data == null || data.isEmpty()) {
      throw new GenerationException(ErrorCode.UPSTREAM_ERROR, "the images API answered with no image");
    }
    return data;
  }

  /** Each result: base64 as it is, or its URL downloaded (at most maxDownloadBytes, within the timeout). */
  private Future<List<GeneratedImage>> images(JsonArray data) {
    List<Future<GeneratedImage>> images = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      JsonObject item = data.getJsonObject(i);
      if (item.getString("b64_json") != null) {
        byte[] bytes = Base64.getDecoder().decode(item.getString("b64_json"));
        images.add(Future.succeededFuture(new GeneratedImage(Upstream.sniffImageType(bytes), bytes)));
      } else if (item.getString("url") != null) {
        images.add(upstream.download(item.getString("url"), config.maxDownloadBytes()));
      } else {
        throw new GenerationException(ErrorCode.UPSTREAM_ERROR, "the images API answered an item with neither b64_json nor url");
      }
    }
    return Future.all(images).map(all -> all.<GeneratedImage>list());
  }

  @Override
  public Future<Void> close() {
    upstream.close();
    return Future.succeededFuture();
  }
}

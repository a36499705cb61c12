package io.genbus.api.images;

import io.genbus.api.errors.ApiException;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageBatch.Made;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/** A non-streamed Images API answer: one JSON object once every image is made (stored first in {@code url} mode), or one error. */
final class ImagesAnswer implements ImageBatch.Sink {

  private final HttpServerResponse response;
  private final ImageJson json;
  private final ErrorResponses errors;
  private final ImageOutput output;
  /** Where links point in {@code url} mode, or null for {@code b64_json}. */
  private final String baseUrl;

  ImagesAnswer(HttpServerResponse response, ImageJson json, ErrorResponses errors, ImageOutput output, String baseUrl) {
    this.response = response;
    this.json = json;
    this.errors = errors;
    this.output = output;
    this.baseUrl = baseUrl;
  }

  @Override
  public void partial(int job, int index, String mimeType, byte[] bytes) {
    // only streams show previews
  }

  @Override
  public void completed(int job, List<Made> images) {
    // answered once, when all are made
  }

  @Override
  public void done(List<Made> images) {
    if (baseUrl == null) {
      send(images, null);
      return;
    }
    Future.all(images.stream().map(i -> output.link(i.mimeType(), i.bytes(), baseUrl)).toList())
        .map(all -> all.<String>list())
        .onSuccess(urls -> send(images, urls))
        .onFailure(err -> {
          if (err instanceof ApiException api) {
            errors.send(response, api.code().status(), errors.body(api));
          } else {
            failed(ErrorCode.INTERNAL_ERROR, "the images could not be stored: " + err.getMessage());
          }
        });
  }

  @Override
  public void failed(ErrorCode code, String message) {
    errors.send(response, code.status(), errors.body(code, message));
  }

  private void send(List<Made> images, List<String> urls) {
    if (!response.closed() && !response.ended()) {
      response.putHeader("Content-Type", "application/json").end(json.answer(images, urls).toBuffer());
    }
  }
}

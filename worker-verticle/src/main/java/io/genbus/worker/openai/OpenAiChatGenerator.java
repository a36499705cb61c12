package io.genbus.worker.openai;

import io.genbus.config.OpenAiChatBackendConfig;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.InputImage;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationRequest;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.genbus.worker.StreamingGenerator;
import io.genbus.worker.upstream.Upstream;
import io.genbus.worker.upstream.Upstream.Answer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

/**
 * Any OpenAI-compatible chat completions upstream that returns images in its message: the job is forwarded
 * ({@code POST {baseUrl}/v1/chat/completions}, input images as data-URL parts), its text passed on as it
 * streams in, and its images — markdown or bare data URLs in the content, or {@code message.images[]},
 * links downloaded — turned into genbus's own images, so the API's output mode applies to them too.
 */
public final class OpenAiChatGenerator implements StreamingGenerator {

  private final OpenAiChatBackendConfig config;
  private final Upstream upstream;

  public OpenAiChatGenerator(Vertx vertx, OpenAiChatBackendConfig config) {
    this.config = config;
    this.upstream = new Upstream(vertx, "the chat upstream", config);
  }

  @Override
  public Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation, Consumer<String> text) {
    JsonObject body = requestBody(request);
    MarkdownImages split = new MarkdownImages();
    List<String> listed = new ArrayList<>();
    return upstream.call(key -> send(key, body, split, listed, text), answer -> read(answer, split, listed, text), cancellation)
        .compose(v -> {
          String rest = split.finish();
          if (!rest.isBlank()) {
            text.accept(rest);
          }
          List<String> targets = new ArrayList<>(split.images());
          targets.addAll(listed);
          return Future.all(targets.stream().map(this::image).toList());
        })
        .map(all -> new GenerationResult(null, all.<GeneratedImage>list()));
  }

  JsonObject requestBody(GenerationRequest request) {
    JsonArray content = new JsonArray();
    if (!request.prompt().isEmpty()) {
      content.add(new JsonObject().put("type", "text").put("text", request.prompt()));
    }
    for (InputImage image : request.images()) {
      content.add(new JsonObject().put("type", "image_url").put("image_url",
          new JsonObject().put("url", "data:" + image.mimeType() + ";base64," + Base64.getEncoder().encodeToString(image.data()))));
    }
    return new JsonObject()
        .put("model", config.upstreamModel() != null ? config.upstreamModel() : request.model())
        .put("stream", config.stream())
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content)));
  }

  /** One call; a 2xx stream is read as it comes, anything else is read whole for the error rules. */
  private Future<Answer> send(String key, JsonObject body, MarkdownImages split, List<String> listed, Consumer<String> text) {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(upstream.baseUrl() + "/v1/chat/completions")
        .putHeader("Authorization", "Bearer " + key)
        .putHeader("Content-Type", "application/json")
        .setIdleTimeout(upstream.timeoutMs());
    return upstream.httpClient().request(options)
        .compose(request -> request.send(body.toBuffer()))
        .compose(response -> {
          boolean streamed = response.statusCode() / 100 == 2
              && String.valueOf(response.getHeader("Content-Type")).startsWith("text/event-stream");
          return streamed
              ? readStream(response, split, listed, text)
              : response.body().map(buffer -> new Answer(response.statusCode(), response.headers(), buffer, null));
        });
  }

  private Future<Answer> readStream(HttpClientResponse response, MarkdownImages split, List<String> listed,
                                    Consumer<String> text) {
    Promise<Answer> done = Promise.promise();
    RecordParser lines = RecordParser.newDelimited("\n", line -> {
      String data = line.toString(StandardCharsets.UTF_8).strip();
      if (!data.startsWith("data:")) {
        return; // comments (": keep-alive"), event names, blank lines
      }
      data = data.substring(5).strip();
      if (data.equals("[DONE]") || data.isEmpty()) {
        return;
      }
      try {
        JsonObject chunk = new JsonObject(data);
        if (chunk.getJsonObject("error") != null) {
          done.tryFail(new GenerationException(ErrorCode.UPSTREAM_ERROR,
              "the chat upstream failed mid-stream: " + chunk.getJsonObject("error").getString("message", "")));
          return;
        }
        JsonArray choices = chunk.getJsonArray("choices");
        JsonObject delta = choices == null || choices.isEmpty() ? null : choices.getJsonObject(0).getJsonObject("delta");
        if (delta != null) {
          take(delta, split, listed, text);
        }
      } catch (DecodeException | ClassCastException e) {
        done.tryFail(new GenerationException(ErrorCode.UPSTREAM_ERROR, "the chat upstream streamed malformed JSON"));
      }
    });
    response.handler(lines);
    response.exceptionHandler(done::tryFail);
    response.endHandler(v -> done.tryComplete(new Answer(response.statusCode(), response.headers(), null, "streamed")));
    return done.future();
  }

  /** A whole (non-streamed) answer; a streamed one was read already. */
  private Void read(Answer answer, MarkdownImages split, List<String> listed, Consumer<String> text) {
    if (answer.value() == null) {
      JsonObject message = answer.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message");
      take(message, split, listed, text);
    }
    return null;
  }

  private static void take(JsonObject message, MarkdownImages split, List<String> listed, Consumer<String> text) {
    if (message.getValue("content") instanceof String content) {
      String out = split.feed(content);
      if (!out.isEmpty()) {
        text.accept(out);
      }
    }
    if (message.getValue("images") instanceof JsonArray images) {
      for (Object item : images) {
        if (item instanceof JsonObject image && image.getJsonObject("image_url") != null) {
          listed.add(image.getJsonObject("image_url").getString("url"));
        }
      }
    }
  }

  private Future<GeneratedImage> image(String target) {
    if (target.startsWith("data:")) {
      int comma = target.indexOf(',');
      String mime = target.substring(5, Math.max(5, target.indexOf(';')));
      try {
        return Future.succeededFuture(new GeneratedImage(mime, Base64.getDecoder().decode(target.substring(comma + 1))));
      } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
        return Future.failedFuture(new GenerationException(ErrorCode.UPSTREAM_ERROR, "the chat upstream sent a broken data URL"));
      }
    }
    return upstream.download(target, config.maxDownloadBytes());
  }

  @Override
  public Future<Void> close() {
    upstream.close();
    return Future.succeededFuture();
  }
}

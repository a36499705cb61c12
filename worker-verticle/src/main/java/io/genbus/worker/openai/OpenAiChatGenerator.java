package io.genbus.worker.openai;

import io.genbus.config.OpenAiChatBackendConfig;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.InputImage;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationRequest;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.StreamingGenerator;
import io.genbus.worker.upstream.Answer;
import io.genbus.worker.upstream.ImageBytes;
import io.genbus.worker.upstream.Upstream;
import io.genbus.worker.upstream.UpstreamGenerator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Any OpenAI-compatible chat completions upstream that returns images in its message: the job is forwarded
 * ({@code POST {baseUrl}/v1/chat/completions}, input images as data-URL parts), its text passed on as it
 * streams in, and its images — markdown or bare data URLs in the content, or {@code message.images[]},
 * links downloaded under {@code downloads} — turned into genbus's own images, so the API's output mode
 * applies to them too.
 */
public final class OpenAiChatGenerator extends UpstreamGenerator implements StreamingGenerator {

  private static final Logger LOG = LoggerFactory.getLogger(OpenAiChatGenerator.class);
  private static final String NAME = "the chat upstream";
  private final OpenAiChatBackendConfig config;

  public OpenAiChatGenerator(Vertx vertx, OpenAiChatBackendConfig config) {
    super(vertx, NAME, config, config.downloads());
    this.config = config;
  }

  @Override
  public Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation, Consumer<String> text) {
    JsonObject body = requestBody(request);
    MarkdownImages split = new MarkdownImages();
    List<String> listed = new ArrayList<>();
    return upstream.call(key -> send(key, body, split, listed, text, cancellation),
            answer -> read(answer, split, listed, text), cancellation)
        .compose(v -> {
          String rest = split.finish();
          if (!rest.isBlank()) {
            text.accept(rest);
          }
          List<String> targets = new ArrayList<>(split.images());
          targets.addAll(listed);
          return images(upstream.reading(() -> targets.stream().map(OpenAiChatGenerator::ref).toList()), cancellation);
        })
        .map(images -> new GenerationResult(null, images));
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
        .put("model", upstream.model(request))
        .put("stream", config.stream())
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content)));
  }

  /** One call; a 2xx event stream is read line by line as it comes, anything else whole for the error rules. */
  private Future<Answer> send(String key, JsonObject body, MarkdownImages split, List<String> listed, Consumer<String> text,
                              Cancellation cancellation) {
    RecordParser lines = RecordParser.newDelimited("\n",
        line -> streamLine(line.toString(StandardCharsets.UTF_8).strip(), split, listed, text));
    return upstream.exchange(upstream.post("/v1/chat/completions")
            .putHeader("Authorization", "Bearer " + key)
            .putHeader("Content-Type", "application/json"),
        call -> call.send(body.toBuffer()), cancellation, lines);
  }

  /** One line of the event stream; an error event or a chunk of the wrong shape ends the call (thrown). */
  private void streamLine(String line, MarkdownImages split, List<String> listed, Consumer<String> text) {
    if (!line.startsWith("data:")) {
      return; // comments (": keep-alive"), event names, blank lines
    }
    String data = line.substring(5).strip();
    if (data.equals("[DONE]") || data.isEmpty()) {
      return;
    }
    JsonObject chunk = new JsonObject(data);
    if (chunk.getValue("error") != null) {
      LOG.warn("{} failed mid-stream: {}", NAME, Upstream.forLog(String.valueOf(chunk.getValue("error"))));
      throw new GenerationException(ErrorCode.UPSTREAM_ERROR, NAME + " reported an error mid-stream");
    }
    JsonArray choices = chunk.getJsonArray("choices");
    JsonObject delta = choices == null || choices.isEmpty() ? null : choices.getJsonObject(0).getJsonObject("delta");
    if (delta != null) {
      take(delta, split, listed, text);
    }
  }

  /** A whole (non-streamed) answer; a streamed one was read already. */
  private Void read(Answer answer, MarkdownImages split, List<String> listed, Consumer<String> text) {
    if (answer instanceof Answer.Whole whole) {
      JsonObject message = whole.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message");
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

  /** A data URL's bytes, or a link to download. */
  private static ImageRef ref(String target) {
    if (target.startsWith("data:")) {
      return ImageRef.inline(ImageBytes.base64(NAME, target.substring(target.indexOf(',') + 1)));
    }
    return ImageRef.link(target);
  }
}

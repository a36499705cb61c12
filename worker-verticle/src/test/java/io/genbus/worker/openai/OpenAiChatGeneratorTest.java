package io.genbus.worker.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.config.ConfigLoader;
import io.genbus.config.OpenAiChatBackendConfig;
import io.genbus.protocol.InputImage;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationRequest;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.local.LocalRenderer;
import io.genbus.worker.upstream.FakeUpstream;
import io.genbus.worker.upstream.FakeUpstream.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The openai-chat backend against a fake OpenAI-compatible chat upstream on loopback. */
@DisplayName("The openai-chat backend")
@ExtendWith(VertxExtension.class)
class OpenAiChatGeneratorTest {

  static final byte[] PNG = LocalRenderer.renderPng("from a gateway", 0, 16);
  static final String PNG64 = Base64.getEncoder().encodeToString(PNG);

  FakeUpstream fake;
  Vertx vertx;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    fake = new FakeUpstream();
    this.vertx = vertx;
  }

  @AfterEach
  void stop() throws Exception {
    fake.close();
  }

  OpenAiChatGenerator generator(String extra) {
    return new OpenAiChatGenerator(vertx, (OpenAiChatBackendConfig) new ConfigLoader(Map.of())
        .workerFromText("backends:\n  - type: openai-chat\n    models: [other-gateway-image]\n    upstreamModel: their-model\n"
            + "    baseUrl: " + fake.baseUrl() + "\n    apiKeys: [sk-up]\n    timeoutSeconds: 5\n" + extra.indent(4))
        .backends().get(0));
  }

  static String sse(String... contents) {
    StringBuilder out = new StringBuilder(": keep-alive\n\n");
    out.append("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n");
    for (String c : contents) {
      out.append("data: ").append(new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
          .put("delta", new JsonObject().put("content", c)))).encode()).append("\n\n");
    }
    return out.append("data: [DONE]\n\n").toString();
  }

  @Test
  @DisplayName("streams: text is passed on as it comes, the markdown image becomes an image; the exact request")
  void streamed() throws Exception {
    String half = PNG64.substring(0, PNG64.length() / 2);
    fake.then(new Reply(200, sse("Here you go: ", "![cat](data:image/png;base64," + half, PNG64.substring(half.length()) + ")", " enjoy"),
        0, Map.of("Content-Type", "text/event-stream")));
    List<String> pieces = new ArrayList<>();
    InputImage input = new InputImage("image/jpeg", new byte[] {0, 1, 2}, 1, 1);
    GenerationResult result = generator("").generate(
            new GenerationRequest("j", "other-gateway-image", "a cat", null, List.of(input)), new Cancellation(), pieces::add)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals("Here you go:  enjoy", String.join("", pieces));
    assertTrue(pieces.size() >= 2, "text arrived in pieces: " + pieces);
    assertNull(result.text(), "the text went out as it came");
    assertEquals(1, result.images().size());
    assertArrayEquals(PNG, result.images().get(0).bytes());

    FakeUpstream.Received call = fake.received.get(0);
    assertEquals("/v1/chat/completions", call.path());
    assertEquals("Bearer sk-up", call.headers().get("Authorization"));
    assertEquals(new JsonObject().put("model", "their-model").put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "a cat"))
            .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "data:image/jpeg;base64,AAEC")))))),
        call.json());
  }

  @Test
  @DisplayName("not streamed: message.images[] and a linked image (downloaded)")
  void whole() throws Exception {
    fake.serve("/files/b.png", Reply.bytes("image/png", PNG64));
    JsonObject message = new JsonObject().put("role", "assistant")
        .put("content", "Two pictures ![b](" + fake.baseUrl() + "/files/b.png)")
        .put("images", new JsonArray().add(new JsonObject().put("type", "image_url")
            .put("image_url", new JsonObject().put("url", "data:image/png;base64," + PNG64))));
    fake.then(Reply.json(200, new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
        .put("message", message).put("finish_reason", "stop"))).encode()));
    GenerationResult result = generator("stream: false\ndownloads: {allowHttp: true, allow: [127.0.0.1]}").generate(
            new GenerationRequest("j", "other-gateway-image", "two cats", null, List.of()), new Cancellation())
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals("Two pictures", result.text().strip());
    assertEquals(2, result.images().size());
    assertArrayEquals(PNG, result.images().get(0).bytes());
    assertArrayEquals(PNG, result.images().get(1).bytes());
    assertEquals(false, fake.received.get(0).json().getBoolean("stream"));
  }

  @Test
  @DisplayName("markdown images split across pieces are put back together; other text flows at once")
  void splitter() {
    MarkdownImages split = new MarkdownImages();
    assertEquals("Hello ", split.feed("Hello !"));
    assertEquals("", split.feed("[x](data:image/png;base64,AA"));
    assertEquals(" world.", split.feed("AA==) world."));
    assertEquals(List.of("data:image/png;base64,AAAA=="), split.images());
    assertEquals(" and ", split.feed(" and d"), "a 'd' may start a data URL: held back");
    assertEquals("", split.feed("ata:image/gif;base64,R0lG"));
    assertEquals("", split.finish());
    assertEquals("data:image/gif;base64,R0lG", split.images().get(1));
    MarkdownImages plain = new MarkdownImages();
    assertEquals("no images here", plain.feed("no images here") + plain.finish());
    MarkdownImages mixed = new MarkdownImages();
    String out = mixed.feed("a ![not](an image) b ![l](https://x.test/a.png) c ![ d ](  data:image/webp;base64,UklG  ) e"
        + " data:image/svg+xml;base64,PHN2 f data:image/;base64,AA g ![x](ftp://no)") + mixed.finish();
    assertEquals("a ![not](an image) b  c  e  f data:image/;base64,AA g ![x](ftp://no)", out);
    assertEquals(List.of("https://x.test/a.png", "data:image/webp;base64,UklG", "data:image/svg+xml;base64,PHN2"),
        mixed.images());
  }

  @Test
  @DisplayName("429 then the next key; malformed stream data is a clear error")
  void failures() throws Exception {
    OpenAiChatGenerator generator = new OpenAiChatGenerator(vertx, (OpenAiChatBackendConfig) new ConfigLoader(Map.of())
        .workerFromText("backends:\n  - {type: openai-chat, models: [m], baseUrl: '" + fake.baseUrl() + "', apiKeys: [k1, k2]}\n")
        .backends().get(0));
    fake.then(Reply.json(429, "{\"error\":{\"message\":\"slow down\"}}"),
        new Reply(200, sse("![x](data:image/png;base64," + PNG64 + ")"), 0, Map.of("Content-Type", "text/event-stream")));
    GenerationResult ok = generator.generate(new GenerationRequest("j", "m", "a cat", null, List.of()), new Cancellation())
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(1, ok.images().size());
    assertEquals(List.of("Bearer k1", "Bearer k2"), fake.received.stream().map(r -> r.headers().get("Authorization")).toList());

    fake.then(new Reply(200, "data: {not json\n\n", 0, Map.of("Content-Type", "text/event-stream")));
    var failed = generator.generate(new GenerationRequest("j2", "m", "a cat", null, List.of()), new Cancellation())
        .toCompletionStage().toCompletableFuture();
    java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
        java.util.concurrent.ExecutionException.class, () -> failed.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("malformed JSON"), e.getCause().getMessage());
  }
}

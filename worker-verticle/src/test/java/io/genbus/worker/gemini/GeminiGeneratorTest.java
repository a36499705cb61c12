package io.genbus.worker.gemini;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.config.ConfigLoader;
import io.genbus.config.GeminiBackendConfig;
import io.genbus.protocol.Capabilities;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ImageOptions;
import io.genbus.protocol.InputImage;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationRequest;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.local.LocalRenderer;
import io.genbus.worker.upstream.FakeUpstream;
import io.genbus.worker.upstream.FakeUpstream.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The gemini backend against a fake Generative Language API on loopback. */
@DisplayName("The gemini backend")
@ExtendWith(VertxExtension.class)
class GeminiGeneratorTest {

  static final String MODEL = "gemini-3-pro-image-preview";
  static final byte[] PNG = LocalRenderer.renderPng("from gemini", 0, 16);
  static final String PNG64 = Base64.getEncoder().encodeToString(PNG);

  FakeUpstream fake;
  Vertx vertx;
  GeminiGenerator gemini;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    fake = new FakeUpstream();
    this.vertx = vertx;
    gemini = generator("timeoutSeconds: 1\naspectRatio: \"16:9\"\nimageSize: 2K\n");
  }

  GeminiGenerator generator(String extra) {
    GeminiBackendConfig config = (GeminiBackendConfig) new ConfigLoader(Map.of("KEY_TWO", "key-two"))
        .workerFromText("backends:\n  - type: gemini\n    models: [" + MODEL + "]\n    baseUrl: " + fake.baseUrl()
            + "\n    apiKeys: [key-one, \"${KEY_TWO}\"]\n" + extra.indent(4))
        .backends().get(0);
    return new GeminiGenerator(vertx, config);
  }

  @AfterEach
  void stop() throws Exception {
    fake.close();
  }

  GenerationResult run(GenerationRequest request) throws Exception {
    return gemini.generate(request, new Cancellation()).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  GenerationException fails(GenerationRequest request) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> run(request));
    assertTrue(e.getCause() instanceof GenerationException, String.valueOf(e.getCause()));
    return (GenerationException) e.getCause();
  }

  static GenerationRequest prompt(String text) {
    return new GenerationRequest("job-1", MODEL, text, null, List.of());
  }

  static String answer(JsonArray parts, String finishReason) {
    return new JsonObject().put("candidates", new JsonArray().add(new JsonObject()
        .put("content", new JsonObject().put("role", "model").put("parts", parts))
        .put("finishReason", finishReason))).encode();
  }

  static JsonArray imagePart() {
    return new JsonArray().add(new JsonObject().put("text", "Here is your cat."))
        .add(new JsonObject().put("inlineData", new JsonObject().put("mimeType", "image/png").put("data", PNG64)));
  }

  @Test
  @DisplayName("text-to-image: the exact request, and the image and text of the answer")
  void success() throws Exception {
    fake.then(Reply.json(200, answer(imagePart(), "STOP")));
    GenerationResult result = run(prompt("generate a cat"));
    assertEquals(1, result.images().size());
    assertArrayEquals(PNG, result.images().get(0).bytes());
    assertEquals("image/png", result.images().get(0).mimeType());
    assertEquals("Here is your cat.", result.text());

    FakeUpstream.Received call = fake.received.get(0);
    assertEquals("POST", call.method());
    assertEquals("/v1beta/models/" + MODEL + ":generateContent", call.path());
    assertEquals("key-one", call.headers().get("x-goog-api-key"));
    assertTrue(call.headers().get("Content-Type").startsWith("application/json"));
    assertEquals(new JsonObject()
        .put("contents", new JsonArray().add(new JsonObject().put("role", "user")
            .put("parts", new JsonArray().add(new JsonObject().put("text", "generate a cat")))))
        .put("generationConfig", new JsonObject()
            .put("responseModalities", new JsonArray().add("TEXT").add("IMAGE"))
            .put("imageConfig", new JsonObject().put("aspectRatio", "16:9").put("imageSize", "2K"))), call.json());
  }

  static GenerationRequest sized(int width, int height) {
    return new GenerationRequest("job-1", MODEL, "a cat", null, List.of(),
        new ImageOptions(width, height, null, "png", null, null, 0, null), null);
  }

  @Test
  @DisplayName("an Images API size becomes the nearest aspect ratio and, above 1K, an imageSize")
  void sizeMapped() throws Exception {
    for (int i = 0; i < 3; i++) {
      fake.then(Reply.json(200, answer(imagePart(), "STOP")));
    }
    run(sized(1376, 768));
    run(sized(2048, 2048));
    run(sized(1024, 1536));
    List<JsonObject> configs = fake.received.stream()
        .map(call -> call.json().getJsonObject("generationConfig").getJsonObject("imageConfig")).toList();
    assertEquals(new JsonObject().put("aspectRatio", "16:9"), configs.get(0), "1K: Gemini's default, no imageSize");
    assertEquals(new JsonObject().put("aspectRatio", "1:1").put("imageSize", "2K"), configs.get(1));
    assertEquals(new JsonObject().put("aspectRatio", "2:3"), configs.get(2));
  }

  @Test
  @DisplayName("announces aspect ratios, no transparency and no mask")
  void capabilities() {
    Capabilities caps = gemini.capabilities();
    assertTrue(caps.supportsSize(1792, 1024), "16:9 within 2 %");
    assertFalse(caps.supportsSize(1000, 100));
    assertFalse(caps.transparentBackground());
    assertFalse(caps.mask());
  }

  @Test
  @DisplayName("image-to-image: the input image goes as inlineData after the text")
  void imageToImage() throws Exception {
    fake.then(Reply.json(200, answer(imagePart(), "STOP")));
    InputImage input = new InputImage("image/jpeg", new byte[] {0, 1, 2, 3}, 2, 2);
    run(new GenerationRequest("job-2", MODEL, "让这张图片更加鲜艳", 3L, List.of(input)));
    JsonArray parts = fake.received.get(0).json().getJsonArray("contents").getJsonObject(0).getJsonArray("parts");
    assertEquals("让这张图片更加鲜艳", parts.getJsonObject(0).getString("text"));
    assertEquals(new JsonObject().put("mimeType", "image/jpeg").put("data", "AAECAw=="), parts.getJsonObject(1).getJsonObject("inlineData"));
  }

  @Test
  @DisplayName("a text-only answer comes back as text")
  void textOnly() throws Exception {
    fake.then(Reply.json(200, answer(new JsonArray().add(new JsonObject().put("text", "I can only describe it.")), "STOP")));
    GenerationResult result = run(prompt("a cat"));
    assertTrue(result.images().isEmpty());
    assertEquals("I can only describe it.", result.text());
  }

  @Test
  @DisplayName("a blocked prompt is a final content_blocked error saying why")
  void blockedPrompt() {
    fake.then(Reply.json(200, "{\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}"));
    GenerationException e = fails(prompt("something bad"));
    assertEquals(ErrorCode.CONTENT_BLOCKED, e.code());
    assertTrue(e.getMessage().contains("SAFETY"), e.getMessage());
    assertFalse(e.toJobError().retryable());
  }

  @Test
  @DisplayName("a blocked image (finishReason IMAGE_SAFETY) is content_blocked too")
  void blockedImage() {
    fake.then(Reply.json(200, answer(new JsonArray(), "IMAGE_SAFETY")));
    GenerationException e = fails(prompt("something bad"));
    assertEquals(ErrorCode.CONTENT_BLOCKED, e.code());
    assertTrue(e.getMessage().contains("IMAGE_SAFETY"), e.getMessage());
  }

  @Test
  @DisplayName("429 RESOURCE_EXHAUSTED: the next key is tried at once, and the first rests for its retryDelay")
  void rateLimitedKey() throws Exception {
    String exhausted = new JsonObject().put("error", new JsonObject().put("code", 429).put("status", "RESOURCE_EXHAUSTED")
        .put("message", "Quota exceeded").put("details", new JsonArray().add(new JsonObject()
            .put("@type", "type.googleapis.com/google.rpc.RetryInfo").put("retryDelay", "30s")))).encode();
    fake.then(Reply.json(429, exhausted), Reply.json(200, answer(imagePart(), "STOP")), Reply.json(200, answer(imagePart(), "STOP")));
    assertEquals(1, run(prompt("a cat")).images().size());
    run(prompt("another cat"));
    assertEquals(List.of("key-one", "key-two", "key-two"),
        fake.received.stream().map(r -> r.headers().get("x-goog-api-key")).toList());
  }

  @Test
  @DisplayName("every key rate-limited: a retryable upstream_rate_limited")
  void allKeysLimited() {
    String exhausted = "{\"error\":{\"code\":429,\"status\":\"RESOURCE_EXHAUSTED\",\"message\":\"Quota exceeded\"}}";
    fake.then(Reply.json(429, exhausted), Reply.json(429, exhausted));
    GenerationException e = fails(prompt("a cat"));
    assertEquals(ErrorCode.UPSTREAM_RATE_LIMITED, e.code());
    assertTrue(e.toJobError().retryable());
  }

  @Test
  @DisplayName("503 is retried once, then succeeds")
  void unavailableRetried() throws Exception {
    fake.then(Reply.json(503, "{\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}"),
        Reply.json(200, answer(imagePart(), "STOP")));
    assertEquals(1, run(prompt("a cat")).images().size());
    assertEquals(2, fake.received.size());
  }

  @Test
  @DisplayName("503 twice: a retryable upstream_unavailable (the API node moves the job)")
  void unavailableTwice() {
    fake.then(Reply.json(503, "{\"error\":{\"message\":\"overloaded\"}}"), Reply.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));
    GenerationException e = fails(prompt("a cat"));
    assertEquals(ErrorCode.UPSTREAM_UNAVAILABLE, e.code());
    assertTrue(e.toJobError().retryable());
    assertEquals("Gemini answered 503", e.getMessage(), "the upstream's own words go to the log only");
  }

  @Test
  @DisplayName("no answer within timeoutSeconds: a retryable upstream_timeout, not sooner")
  void timeout() {
    fake.then(Reply.never());
    long start = System.nanoTime();
    GenerationException e = fails(prompt("a cat")); // the upstream never answers: only the timeout ends it
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals(ErrorCode.UPSTREAM_TIMEOUT, e.code());
    assertTrue(e.toJobError().retryable());
    assertTrue(ms >= 1000, "gave up after " + ms + " ms, before timeoutSeconds: 1");
  }

  @Test
  @DisplayName("malformed JSON: a clear, final error")
  void malformed() {
    fake.then(Reply.json(200, "{\"candidates\": [ oops"));
    GenerationException e = fails(prompt("a cat"));
    assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
    assertTrue(e.getMessage().contains("malformed JSON"), e.getMessage());
    assertFalse(e.toJobError().retryable());
  }

  @Test
  @DisplayName("a refused key is reported without the key")
  void refusedKey() {
    fake.then(Reply.json(403, "{\"error\":{\"code\":403,\"message\":\"API key not valid: key-one\"}}"));
    GenerationException e = fails(prompt("a cat"));
    assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
    assertFalse(e.getMessage().contains("key-one"), e.getMessage());
  }

  @Test
  @DisplayName("a cancelled job gives its slot back at once")
  @Timeout(value = 10, timeUnit = TimeUnit.SECONDS) // far below the upstream's 30 s timeout
  void cancelled(VertxTestContext ctx) {
    fake.then(Reply.never());
    Cancellation cancellation = new Cancellation();
    Future<GenerationResult> result = generator("timeoutSeconds: 30\n").generate(prompt("a cat"), cancellation);
    // cancelled once the call is at the upstream, which never answers it
    fake.arrived(1).onSuccess(v -> vertx.runOnContext(x -> cancellation.cancel()));
    ctx.assertFailure(result).onFailure(err -> ctx.verify(() -> {
      assertInstanceOf(GenerationException.class, err);
      ctx.completeNow();
    }));
  }
}

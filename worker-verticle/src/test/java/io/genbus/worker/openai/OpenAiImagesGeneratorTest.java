package io.genbus.worker.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.config.ConfigLoader;
import io.genbus.config.OpenAiImagesBackendConfig;
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
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
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

/** The openai-images backend against a fake OpenAI Images API on loopback. */
@DisplayName("The openai-images backend")
@ExtendWith(VertxExtension.class)
class OpenAiImagesGeneratorTest {

  static final byte[] PNG = LocalRenderer.renderPng("from openai", 0, 16);
  static final String PNG64 = Base64.getEncoder().encodeToString(PNG);
  static final String ANSWER = "{\"created\":1,\"data\":[{\"b64_json\":\"" + PNG64 + "\"}]}";
  /** Loopback is refused by default: these tests download from the fake on 127.0.0.1 by allowing it. */
  static final String LOOPBACK_DOWNLOADS = "downloads: {allowHttp: true, allow: [127.0.0.1]}\n";

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

  OpenAiImagesGenerator generator(String extra) {
    OpenAiImagesBackendConfig config = (OpenAiImagesBackendConfig) new ConfigLoader(Map.of())
        .workerFromText("backends:\n  - type: openai-images\n    models: [gpt-image-1]\n    baseUrl: " + fake.baseUrl()
            + "\n    apiKeys: [sk-one, sk-two]\n    timeoutSeconds: 2\n" + extra.indent(4))
        .backends().get(0);
    return new OpenAiImagesGenerator(vertx, config);
  }

  GenerationResult run(OpenAiImagesGenerator generator, GenerationRequest request) throws Exception {
    return generator.generate(request, new Cancellation()).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  static GenerationRequest prompt(String text, InputImage... images) {
    return new GenerationRequest("job-1", "gpt-image-1", text, null, List.of(images));
  }

  @Test
  @DisplayName("no input image: POST /v1/images/generations with JSON, b64_json used as is")
  void generations() throws Exception {
    fake.then(Reply.json(200, ANSWER));
    GenerationResult result = run(generator("size: 1024x1024\nquality: high\n"), prompt("a cat"));
    assertArrayEquals(PNG, result.images().get(0).bytes());
    assertEquals("image/png", result.images().get(0).mimeType());
    FakeUpstream.Received call = fake.received.get(0);
    assertEquals("POST", call.method());
    assertEquals("/v1/images/generations", call.path());
    assertEquals("Bearer sk-one", call.headers().get("Authorization"));
    assertEquals(new JsonObject().put("model", "gpt-image-1").put("prompt", "a cat").put("n", 1)
        .put("size", "1024x1024").put("quality", "high"), call.json());
  }

  @Test
  @DisplayName("input images: POST /v1/images/edits as multipart with image[] files")
  void edits() throws Exception {
    fake.then(Reply.json(200, ANSWER));
    byte[] jpeg = {(byte) 0xff, (byte) 0xd8, 1, 2, 3};
    byte[] jpeg2 = {(byte) 0xff, (byte) 0xd8, 4, 5};
    run(generator(""), prompt("make it vivid",
        new InputImage("image/jpeg", jpeg, 1, 1),
        new InputImage("image/jpeg", jpeg2, 1, 1)));
    FakeUpstream.Received call = fake.received.get(0);
    assertEquals("/v1/images/edits", call.path());
    assertTrue(call.headers().get("Content-Type").startsWith("multipart/form-data"));
    assertEquals("Bearer sk-one", call.headers().get("Authorization"));
    assertEquals("gpt-image-1", call.form().get("model"));
    assertEquals("make it vivid", call.form().get("prompt"));
    assertEquals(2, call.files().get("image[]").size());
    assertArrayEquals(jpeg, call.files().get("image[]").get(0).getBytes());
    assertArrayEquals(jpeg2, call.files().get("image[]").get(1).getBytes());
    assertEquals("image/jpeg", call.fileTypes().get("image[]/image-0.jpg"));
  }

  @Test
  @DisplayName("the Images API's parameters pass through over the configured defaults, and a mask goes as a file")
  void parametersPassThrough() throws Exception {
    fake.then(Reply.json(200, ANSWER));
    fake.then(Reply.json(200, ANSWER));
    ImageOptions options = new ImageOptions(1536, 1024, "low", "webp", 40, "transparent", 0, "user-7");
    run(generator("size: 1024x1024\nquality: high\n"),
        new GenerationRequest("job-1", "gpt-image-1", "a cat", null, List.of(), options, null));
    assertEquals(new JsonObject().put("model", "gpt-image-1").put("prompt", "a cat").put("n", 1)
        .put("size", "1536x1024").put("quality", "low").put("background", "transparent").put("output_format", "webp")
        .put("output_compression", 40).put("user", "user-7"), fake.received.get(0).json());

    byte[] mask = {(byte) 0x89, 'P', 'N', 'G'};
    run(generator(""), new GenerationRequest("job-2", "gpt-image-1", "fill it", null,
        List.of(new InputImage("image/jpeg", new byte[] {(byte) 0xff, (byte) 0xd8}, 1, 1)),
        new ImageOptions(null, null, null, "png", null, null, 0, null), new InputImage("image/png", mask, 1, 1)));
    FakeUpstream.Received edit = fake.received.get(1);
    assertEquals("auto", edit.form().get("size"));
    assertEquals("png", edit.form().get("output_format"));
    assertArrayEquals(mask, edit.files().get("mask").get(0).getBytes());
  }

  @Test
  @DisplayName("announces the configured sizes, masks, transparency and WebP (made upstream)")
  void capabilities() {
    Capabilities caps = generator("sizes: [auto, 1024x1024]\n").capabilities();
    assertEquals(List.of("auto", "1024x1024"), caps.sizes());
    assertTrue(caps.supportsSize(1024, 1024));
    assertFalse(caps.supportsSize(1536, 1024));
    assertTrue(caps.mask());
    assertTrue(caps.outputFormats().contains("webp"));
  }

  @Test
  @DisplayName("a url result is downloaded")
  void urlDownloaded() throws Exception {
    fake.serve("/files/cat.png", Reply.bytes("image/png", PNG64));
    fake.then(Reply.json(200, "{\"data\":[{\"url\":\"" + fake.baseUrl() + "/files/cat.png\"}]}"));
    GenerationResult result = run(generator(LOOPBACK_DOWNLOADS), prompt("a cat"));
    assertArrayEquals(PNG, result.images().get(0).bytes());
    assertEquals("image/png", result.images().get(0).mimeType());
    assertEquals("GET", fake.received.get(1).method());
    assertEquals("/files/cat.png", fake.received.get(1).path());
    assertNull(fake.received.get(1).headers().get("Authorization"), "the key is not sent to the image host");
  }

  @Test
  @DisplayName("a url result over downloads.maxBytes is refused")
  void urlTooLarge() {
    byte[] big = LocalRenderer.renderPng("a large picture", 0, 256);
    assertTrue(big.length > 1024);
    fake.serve("/files/big.png", Reply.bytes("image/png", Base64.getEncoder().encodeToString(big)));
    fake.then(Reply.json(200, "{\"data\":[{\"url\":\"" + fake.baseUrl() + "/files/big.png\"}]}"));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> run(generator("downloads: {allowHttp: true, allow: [127.0.0.1], maxBytes: 1024}\n"), prompt("a cat")));
    assertEquals(ErrorCode.UPSTREAM_ERROR, ((GenerationException) e.getCause()).code());
  }

  @Test
  @DisplayName("a content policy refusal is content_blocked, final")
  void contentPolicy() {
    fake.then(Reply.json(400, "{\"error\":{\"message\":\"Your request was rejected by the safety system.\","
        + "\"type\":\"image_generation_user_error\",\"code\":\"moderation_blocked\"}}"));
    ExecutionException e = assertThrows(ExecutionException.class, () -> run(generator(""), prompt("bad")));
    GenerationException g = (GenerationException) e.getCause();
    assertEquals(ErrorCode.CONTENT_BLOCKED, g.code());
    assertFalse(g.toJobError().retryable());
    assertEquals("the images API answered 400 (moderation_blocked)", g.getMessage());
    assertFalse(g.getMessage().contains("safety system"), "the upstream's own words go to the log only");
  }

  @Test
  @DisplayName("429 then success on the next key")
  void nextKey() throws Exception {
    fake.then(Reply.json(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}"), Reply.json(200, ANSWER));
    run(generator(""), prompt("a cat"));
    assertEquals(List.of("Bearer sk-one", "Bearer sk-two"),
        fake.received.stream().map(r -> r.headers().get("Authorization")).toList());
  }

  @Test
  @DisplayName("503 is retried once; a timeout and malformed JSON are clear errors")
  void failures() throws Exception {
    fake.then(Reply.json(503, "{\"error\":{\"message\":\"busy\"}}"), Reply.json(200, ANSWER));
    assertEquals(1, run(generator(""), prompt("a cat")).images().size());
    assertEquals(2, fake.received.size());

    fake.then(Reply.never());
    ExecutionException timeout = assertThrows(ExecutionException.class, () -> run(generator("timeoutSeconds: 1\n"), prompt("slow")));
    assertEquals(ErrorCode.UPSTREAM_TIMEOUT, ((GenerationException) timeout.getCause()).code());

    fake.then(Reply.json(200, "{\"data\": [ {"));
    ExecutionException malformed = assertThrows(ExecutionException.class, () -> run(generator(""), prompt("broken")));
    assertEquals(ErrorCode.UPSTREAM_ERROR, ((GenerationException) malformed.getCause()).code());
    assertTrue(malformed.getCause().getMessage().contains("malformed JSON"));
  }
}

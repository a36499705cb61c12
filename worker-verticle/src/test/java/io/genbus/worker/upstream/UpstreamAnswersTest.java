package io.genbus.worker.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.genbus.config.ConfigLoader;
import io.genbus.config.GeminiBackendConfig;
import io.genbus.config.OpenAiChatBackendConfig;
import io.genbus.config.OpenAiImagesBackendConfig;
import io.genbus.protocol.ErrorCode;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationRequest;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.Generator;
import io.genbus.worker.gemini.GeminiGenerator;
import io.genbus.worker.openai.OpenAiChatGenerator;
import io.genbus.worker.openai.OpenAiImagesGenerator;
import io.genbus.worker.upstream.FakeUpstream.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * Upstream answers of every wrong shape end the job with {@code upstream_error} (never a hang); what the
 * client is told is generic, what the upstream said goes to the log; a cancelled job resets its call.
 */
@DisplayName("Upstream answers of the wrong shape")
class UpstreamAnswersTest {

  static final String NOT_AN_IMAGE = Base64.getEncoder().encodeToString("just text, no pixels".getBytes());

  FakeUpstream fake;
  Vertx vertx;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeUpstream();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    fake.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static String backend(String type, String baseUrl, String extra) {
    return "backends:\n  - {type: " + type + ", models: [m], baseUrl: '" + baseUrl + "', apiKeys: [k], timeoutSeconds: 2"
        + extra + "}\n";
  }

  OpenAiChatGenerator chat(String baseUrl, String extra) {
    return new OpenAiChatGenerator(vertx, (OpenAiChatBackendConfig) new ConfigLoader(Map.of())
        .workerFromText(backend("openai-chat", baseUrl, extra)).backends().get(0));
  }

  GeminiGenerator gemini() {
    return new GeminiGenerator(vertx, (GeminiBackendConfig) new ConfigLoader(Map.of())
        .workerFromText(backend("gemini", fake.baseUrl(), "")).backends().get(0));
  }

  OpenAiImagesGenerator images() {
    return new OpenAiImagesGenerator(vertx, (OpenAiImagesBackendConfig) new ConfigLoader(Map.of())
        .workerFromText(backend("openai-images", fake.baseUrl(), "")).backends().get(0));
  }

  static Future<GenerationResult> generate(Generator generator, Cancellation cancellation) {
    return generator.generate(new GenerationRequest("j", "m", "a cat", null, List.of()), cancellation);
  }

  /** Fails within 10 s (no hang) with a GenerationException, returned. */
  static GenerationException fails(Generator generator) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> generate(generator, new Cancellation()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    return assertInstanceOf(GenerationException.class, e.getCause());
  }

  @ParameterizedTest(name = "openai-chat answering {0}")
  @ValueSource(strings = {"{\"choices\":[]}", "{}", "{\"choices\":[{\"message\":null}]}", "{\"choices\":[\"text\"]}",
      "{\"choices\":[{\"message\":{\"content\":\"![x](data:image/png;base64,@@@)\"}}]}",
      "{\"choices\":[{\"message\":{\"content\":\"data:image/png;base64," + "aGVsbG8=" + "\"}}]}",
      "{\"choices\":[{\"message\":{\"images\":[{\"image_url\":{}}]}}]}"})
  void chatShapes(String answer) {
    fake.then(Reply.json(200, answer));
    assertEquals(ErrorCode.UPSTREAM_ERROR, fails(chat(fake.baseUrl(), ", stream: false")).code());
  }

  @ParameterizedTest(name = "openai-chat streaming {0}")
  @ValueSource(strings = {"data: {\"choices\":[1]}\n\n", "data: {\"choices\":[{\"delta\":[]}]}\n\n", "data: [1,2]\n\n",
      "data: {\"error\":{\"message\":\"internal host db-7.corp down\"}}\n\n"})
  void chatStreamShapes(String events) {
    fake.then(new Reply(200, events, 0, Map.of("Content-Type", "text/event-stream")));
    GenerationException e = fails(chat(fake.baseUrl(), ""));
    assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
    assertFalse(e.getMessage().contains("corp"), e.getMessage());
  }

  @ParameterizedTest(name = "gemini answering {0}")
  @ValueSource(strings = {
      "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"%%%not base64\"}}]}}]}",
      "{\"candidates\":[{\"content\":{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"" + "aGVsbG8=" + "\"}}]}}]}",
      "{\"candidates\":[{\"content\":{\"parts\":[\"text\"]}}]}", "{\"candidates\":[\"x\"]}", "{\"candidates\":{}}", "[]"})
  void geminiShapes(String answer) {
    fake.then(Reply.json(200, answer));
    assertEquals(ErrorCode.UPSTREAM_ERROR, fails(gemini()).code());
  }

  @ParameterizedTest(name = "openai-images answering {0}")
  @ValueSource(strings = {"{\"data\":[{}]}", "{\"data\":[\"x\"]}", "{\"data\":{}}", "{\"data\":[{\"b64_json\":\"***\"}]}",
      "{\"data\":[{\"b64_json\":\"" + "aGVsbG8=" + "\"}]}"})
  void imagesShapes(String answer) {
    fake.then(Reply.json(200, answer));
    assertEquals(ErrorCode.UPSTREAM_ERROR, fails(images()).code());
  }

  @ParameterizedTest(name = "an error answer {0} ends the call")
  @ValueSource(strings = {"400 {\"error\":{\"type\":5,\"code\":[1],\"message\":{}}}", "400 [1,2]", "404 ",
      "429 {\"error\":{\"details\":[{\"@type\":5,\"retryDelay\":7}]}}", "429 {\"error\":{\"details\":{}}}",
      "403 {\"error\":null}"})
  void errorShapes(String answer) {
    String[] parts = answer.split(" ", 2);
    fake.then(Reply.json(Integer.parseInt(parts[0]), parts[1]));
    GenerationException e = fails(images());
    assertEquals("the images API answered " + parts[0] + (parts[0].equals("403") ? " (the API key was refused)" : ""),
        e.getMessage());
  }

  @Test
  @DisplayName("the client sees who answered and the status; the upstream's words go to the log, on one line")
  void genericErrors() {
    Logger log = (Logger) LoggerFactory.getLogger(Upstream.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    log.addAppender(lines);
    try {
      fake.then(Reply.json(400, "{\"error\":{\"message\":\"model x is not on host 10.2.3.4\\r\\nX-Injected: yes\"}}"));
      GenerationException e = fails(chat(fake.baseUrl(), ""));
      assertEquals(ErrorCode.UPSTREAM_ERROR, e.code());
      assertEquals("the chat upstream answered 400", e.getMessage());
      String logged = lines.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("answered 400"))
          .findFirst().orElseThrow();
      assertTrue(logged.contains("model x is not on host 10.2.3.4  X-Injected: yes"), logged);
      assertFalse(logged.contains("\r") || logged.contains("\n"), logged);
    } finally {
      log.detachAppender(lines);
    }
  }

  @Test
  @DisplayName("a stream that stops sending is an upstream_timeout (Vert.x's idle timeout, told by its type)")
  void stalledStream() throws Exception {
    try (LinkHost stalled = new LinkHost("127.0.0.1")) {
      stalled.route("/v1/chat/completions", r -> r.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
          .write("data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"));
      GenerationException e = fails(chat("http://127.0.0.1:" + stalled.port(), ", timeoutSeconds: 1"));
      assertEquals(ErrorCode.UPSTREAM_TIMEOUT, e.code());
      assertTrue(e.toJobError().retryable());
    }
  }

  @Test
  @DisplayName("a cancelled job resets its upstream call: the upstream sees the connection close")
  void cancelResets() throws Exception {
    try (LinkHost silent = new LinkHost("127.0.0.1")) {
      silent.route("/v1/chat/completions", r -> { }); // never answers
      Cancellation cancellation = new Cancellation();
      CompletableFuture<GenerationResult> result = generate(chat("http://127.0.0.1:" + silent.port(), ", timeoutSeconds: 600"),
          cancellation).toCompletionStage().toCompletableFuture();
      silent.requested().get(10, TimeUnit.SECONDS);
      vertx.runOnContext(v -> cancellation.cancel());
      ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(10, TimeUnit.SECONDS));
      assertEquals("cancelled", e.getCause().getMessage());
      silent.connectionClosed().get(10, TimeUnit.SECONDS);
    }
  }
}

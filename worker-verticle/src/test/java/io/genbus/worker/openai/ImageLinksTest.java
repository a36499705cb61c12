package io.genbus.worker.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.config.ConfigLoader;
import io.genbus.config.OpenAiChatBackendConfig;
import io.genbus.config.OpenAiImagesBackendConfig;
import io.genbus.protocol.ErrorCode;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationRequest;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.local.LocalRenderer;
import io.genbus.worker.upstream.FakeUpstream;
import io.genbus.worker.upstream.FakeUpstream.Reply;
import io.genbus.worker.upstream.LinkHost;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Hostile image links in upstream answers: what a compromised or tricked upstream could make a worker fetch.
 * Every server here is on loopback, which the default policy refuses; tests that need a download to work
 * allow 127.0.0.2 (the "public" image host of these tests), never 127.0.0.1 (the "internal" one).
 */
@DisplayName("Image links in upstream answers")
class ImageLinksTest {

  static final byte[] PNG = LocalRenderer.renderPng("linked", 0, 16);
  static final String SECRET = "{\"AccessKeyId\":\"ASIA-internal-secret\"}";
  static final String ALLOW_IMAGES = "downloads: {allowHttp: true, allow: [127.0.0.2]";

  FakeUpstream upstream;
  LinkHost internal;
  LinkHost images;
  Vertx vertx;

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeUpstream();
    internal = new LinkHost("127.0.0.1")
        .route("/latest/meta-data/iam/security-credentials/", LinkHost.bytes("text/plain", SECRET.getBytes(StandardCharsets.UTF_8)));
    images = new LinkHost("127.0.0.2");
    images.route("/cat.png", LinkHost.bytes("image/png", PNG));
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    upstream.close();
    internal.close();
    images.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  OpenAiChatGenerator chat(String downloads) {
    return new OpenAiChatGenerator(vertx, (OpenAiChatBackendConfig) new ConfigLoader(Map.of())
        .workerFromText("backends:\n  - type: openai-chat\n    models: [m]\n    baseUrl: " + upstream.baseUrl()
            + "\n    apiKeys: [k]\n    stream: false\n" + downloads.indent(4))
        .backends().get(0));
  }

  /** The upstream answers once with {@code content} as the assistant's message. */
  void answers(String content) {
    upstream.then(Reply.json(200, new JsonObject().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
        .put("message", new JsonObject().put("role", "assistant").put("content", content)))).encode()));
  }

  static Future<GenerationResult> generate(OpenAiChatGenerator generator, Cancellation cancellation) {
    return generator.generate(new GenerationRequest("j", "m", "a cat", null, List.of()), cancellation);
  }

  static GenerationResult run(OpenAiChatGenerator generator) throws Exception {
    return generate(generator, new Cancellation()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The generation fails, soon, with the upstream's error; returns what the client would be told. */
  static String refused(OpenAiChatGenerator generator) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> run(generator));
    GenerationException g = (GenerationException) e.getCause();
    assertEquals(ErrorCode.UPSTREAM_ERROR, g.code());
    assertFalse(g.toJobError().message().contains("ASIA"), "the secret never reaches the client");
    return g.getMessage();
  }

  @Test
  @DisplayName("the SSRF answer: a link to a metadata path on loopback is never fetched (default, or with http allowed)")
  void ssrf() {
    String link = internal.url("/latest/meta-data/iam/security-credentials/");
    answers("![x](" + link + ")");
    assertEquals("the chat upstream linked to an image that could not be downloaded", refused(chat("")));
    answers("![x](" + link + ")");
    refused(chat("downloads: {allowHttp: true}"));
    answers("![x](" + link.replace("http:", "https:") + ")");
    refused(chat(""));
    answers("![x](http://[::1]:" + internal.port() + "/latest/meta-data/)");
    refused(chat("downloads: {allowHttp: true}"));
    assertEquals(List.of(), internal.seen, "the internal server was never contacted");
  }

  @Test
  @DisplayName("openai-images: a url result pointing inside is never fetched")
  void imagesUrl() throws Exception {
    OpenAiImagesGenerator generator = new OpenAiImagesGenerator(vertx, (OpenAiImagesBackendConfig) new ConfigLoader(Map.of())
        .workerFromText("backends:\n  - {type: openai-images, baseUrl: '" + upstream.baseUrl() + "', apiKeys: [k], "
            + "downloads: {allowHttp: true}}\n").backends().get(0));
    upstream.then(Reply.json(200, new JsonObject().put("data", new JsonArray()
        .add(new JsonObject().put("url", internal.url("/latest/meta-data/iam/security-credentials/")))).encode()));
    ExecutionException e = assertThrows(ExecutionException.class, () -> generator
        .generate(new GenerationRequest("j", "gpt-image-1", "a cat", null, List.of()), new Cancellation())
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertEquals(ErrorCode.UPSTREAM_ERROR, ((GenerationException) e.getCause()).code());
    assertEquals(List.of(), internal.seen);
  }

  @Test
  @DisplayName("a redirect from an allowed host to loopback is refused; one to an allowed place is followed")
  void redirects() throws Exception {
    images.route("/go-inside", LinkHost.redirect(internal.url("/latest/meta-data/iam/security-credentials/")));
    images.route("/go-cat", LinkHost.redirect("/cat.png"));
    answers("![x](" + images.url("/go-inside") + ")");
    refused(chat(ALLOW_IMAGES + "}"));
    assertEquals(List.of(), internal.seen, "the internal server was never contacted");
    assertEquals(1, images.seen.size());

    answers("![x](" + images.url("/go-cat") + ")");
    GenerationResult result = run(chat(ALLOW_IMAGES + "}"));
    assertArrayEquals(PNG, result.images().get(0).bytes());
    assertEquals("image/png", result.images().get(0).mimeType());

    answers("![x](" + images.url("/go-cat") + ")");
    refused(chat(ALLOW_IMAGES + ", maxRedirects: 0}"));
  }

  /** A link the worker must give up on: the job fails and the connection to the image host is closed. */
  void cutOff(String path, Handler<HttpServerRequest> answer, String downloads) throws Exception {
    images.route(path, answer);
    answers("![x](" + images.url(path) + ")");
    refused(chat(ALLOW_IMAGES + downloads + "}"));
    images.connectionClosed().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a slow-drip link ends at the download deadline and its connection is closed")
  void slowDrip() throws Exception {
    cutOff("/drip.png", images.drip(), ", timeoutSeconds: 1");
  }

  @Test
  @DisplayName("a 10 GB Content-Length is refused before reading, long before the deadline")
  void tenGigabytes() throws Exception {
    cutOff("/huge.png", LinkHost.tenGigabytes(), ", timeoutSeconds: 600"); // refused() waits 10 s at most
  }

  @Test
  @DisplayName("a body without Content-Length is counted while it streams and cut off past maxBytes")
  void endless() throws Exception {
    cutOff("/endless.png", images.endless(), ", maxBytes: 1048576, timeoutSeconds: 600");
  }

  @Test
  @DisplayName("more than maxLinks links: refused before any download; up to maxLinks are all downloaded")
  void maxLinks() throws Exception {
    String five = IntStream.range(0, 5).mapToObj(i -> "![" + i + "](" + images.url("/cat.png") + ")").collect(Collectors.joining(" "));
    answers(five);
    ExecutionException e = assertThrows(ExecutionException.class, () -> run(chat(ALLOW_IMAGES + "}")));
    assertEquals(ErrorCode.UPSTREAM_ERROR, ((GenerationException) e.getCause()).code());
    assertTrue(e.getCause().getMessage().contains("5 image links, more than the 4 allowed"), e.getCause().getMessage());
    assertEquals(List.of(), images.seen, "nothing was downloaded");

    String two = "![a](" + images.url("/cat.png") + ") and ![b](" + images.url("/cat.png") + ")";
    answers(two);
    assertEquals(2, run(chat(ALLOW_IMAGES + ", maxLinks: 2}")).images().size());
  }

  @Test
  @DisplayName("bytes that are not an image are refused, with the same words as a refused address or a closed port")
  void notAnImage() throws Exception {
    images.route("/secret.png", LinkHost.bytes("image/png", SECRET.getBytes(StandardCharsets.UTF_8)));
    answers("![x](" + images.url("/secret.png") + ")");
    String notImage = refused(chat(ALLOW_IMAGES + "}"));
    answers("![x](" + internal.url("/latest/meta-data/iam/security-credentials/") + ")");
    String refusedAddress = refused(chat(ALLOW_IMAGES + "}"));
    LinkHost gone = new LinkHost("127.0.0.2");
    String closedPort = gone.url("/cat.png");
    gone.close();
    answers("![x](" + closedPort + ")");
    String connectionRefused = refused(chat(ALLOW_IMAGES + "}"));
    assertEquals(notImage, refusedAddress, "no oracle: the client cannot tell why");
    assertEquals(notImage, connectionRefused, "no oracle: the client cannot tell why");
  }

  @Test
  @DisplayName("a cancelled job stops its download at once and closes the connection")
  void cancelled() throws Exception {
    images.route("/drip.png", images.drip());
    answers("![x](" + images.url("/drip.png") + ")");
    Cancellation cancellation = new Cancellation();
    var result = generate(chat(ALLOW_IMAGES + ", timeoutSeconds: 600}"), cancellation).toCompletionStage().toCompletableFuture();
    images.requested().get(10, TimeUnit.SECONDS);
    vertx.runOnContext(v -> cancellation.cancel());
    ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(10, TimeUnit.SECONDS));
    assertEquals("cancelled", e.getCause().getMessage());
    images.connectionClosed().get(10, TimeUnit.SECONDS);
  }
}

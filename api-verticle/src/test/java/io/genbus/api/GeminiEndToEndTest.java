package io.genbus.api;

import static io.genbus.api.Http.chat;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Client → API node → worker node with the gemini backend → a fake Gemini server on loopback, next to a
 * local worker in the same cluster.
 */
@DisplayName("end to end through the gemini backend")
class GeminiEndToEndTest {

  static final String MODEL = "gemini-3-pro-image-preview";
  static final byte[] PNG = Fixtures.png(12, 12);

  static TestCluster cluster;
  static Vertx fakeVertx;
  static HttpServer fakeGemini;
  static final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  static final List<String> keys = new CopyOnWriteArrayList<>();
  static int api;

  @BeforeAll
  static void start() throws Exception {
    fakeVertx = Vertx.vertx();
    fakeGemini = fakeVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      requests.add(new JsonObject(body));
      keys.add(req.getHeader("x-goog-api-key"));
      req.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(answer(PNG)));
    }));
    fakeGemini.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    cluster = new TestCluster();
    api = cluster.api(cluster.node(), apiConfig("keepAliveSeconds: 1")).port();
    cluster.worker(workerConfig("backends:\n  - type: gemini\n    models: [" + MODEL + "]\n    baseUrl: http://127.0.0.1:"
        + fakeGemini.actualPort() + "\n    apiKeys: [test-gemini-key]\n"));
    cluster.worker(workerConfig("backends:\n  - {type: local, models: [local-image], size: 32}\n"));
    eventually("both models listed",
        () -> GatewayClusterTest.modelIds(api).containsAll(List.of(MODEL, "local-image")));
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
    fakeVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Gemini's answer carrying one PNG. */
  static String answer(byte[] png) {
    return new JsonObject().put("candidates", new JsonArray().add(new JsonObject()
        .put("content", new JsonObject().put("role", "model").put("parts", new JsonArray()
            .add(new JsonObject().put("inlineData", new JsonObject().put("mimeType", "image/png")
                .put("data", Base64.getEncoder().encodeToString(png)))))).put("finishReason", "STOP"))).encode();
  }

  static byte[] imageOf(String content) {
    Matcher m = Pattern.compile("!\\[generated]\\(data:image/png;base64,([A-Za-z0-9+/=]+)\\)").matcher(content);
    assertTrue(m.find(), content);
    return Base64.getDecoder().decode(m.group(1));
  }

  @Test
  @DisplayName("text-to-image, not streamed: the prompt reaches Gemini, its image reaches the client")
  void textToImage() {
    int before = requests.size();
    Http.Response response = chat(api, Http.chatBody(MODEL, "generate a cat", false));
    assertEquals(200, response.status(), response.body());
    String content = response.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
    assertArrayEquals(PNG, imageOf(content));
    JsonObject sent = requests.get(before);
    assertEquals("generate a cat", sent.getJsonArray("contents").getJsonObject(0).getJsonArray("parts").getJsonObject(0).getString("text"));
    assertEquals("test-gemini-key", keys.get(before));
  }

  @Test
  @DisplayName("image-to-image, streamed: the converted JPEG reaches Gemini as inlineData")
  void imageToImageStreamed() {
    int before = requests.size();
    String body = new JsonObject().put("model", MODEL).put("stream", true).put("messages", new JsonArray().add(new JsonObject()
        .put("role", "user").put("content", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "让这张图片更加鲜艳"))
            .add(new JsonObject().put("type", "image_url").put("image_url",
                new JsonObject().put("url", Fixtures.dataUrl("image/png", Fixtures.png(20, 10)))))))).encode();
    List<String> frames = Http.stream(api, body).texts();
    assertEquals("data: [DONE]", frames.get(frames.size() - 1));
    String content = frames.stream().filter(f -> f.contains("finish_reason\":\"stop"))
        .map(f -> new JsonObject(f.substring(6)).getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content"))
        .findFirst().orElseThrow();
    assertArrayEquals(PNG, imageOf(content));
    JsonArray parts = requests.get(before).getJsonArray("contents").getJsonObject(0).getJsonArray("parts");
    assertEquals("让这张图片更加鲜艳", parts.getJsonObject(0).getString("text"));
    JsonObject inline = parts.getJsonObject(1).getJsonObject("inlineData");
    assertEquals("image/jpeg", inline.getString("mimeType"));
    byte[] jpeg = Base64.getDecoder().decode(inline.getString("data"));
    assertEquals(0xff, jpeg[0] & 0xff);
    assertEquals(0xd8, jpeg[1] & 0xff);
  }

  @Test
  @DisplayName("text-to-image streamed, and the local model answers in the same cluster")
  void mixedCluster() {
    List<String> frames = Http.stream(api, Http.chatBody(MODEL, "a dog", true)).texts();
    assertTrue(frames.stream().anyMatch(f -> f.contains("finish_reason\":\"stop")));
    assertEquals(200, chat(api, Http.chatBody("local-image", "a dog", false)).status());
  }
}

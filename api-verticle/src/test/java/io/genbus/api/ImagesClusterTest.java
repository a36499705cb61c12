package io.genbus.api;

import static io.genbus.api.GatewayClusterTest.assertError;
import static io.genbus.api.Http.chat;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Image input and output over real clustered nodes: formats, limits, conversion, edits and output modes. */
@DisplayName("images in and out")
class ImagesClusterTest {

  /** A backend that returns its input images as they arrived: shows exactly what the API's conversion made. */
  static final String ECHO = "echo-images";
  static final String LOCAL = "local-image";
  static final Pattern DATA_IMAGE = Pattern.compile("!\\[generated]\\(data:(image/[a-z]+);base64,([A-Za-z0-9+/=]+)\\)");

  static TestCluster cluster;
  static int api;
  static int urlApi;
  static int shortTtlApi;
  static int dataUrlApi;
  static int otherNodeApi;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    ClusterNode apiNode = cluster.node();
    ClusterNode secondApiNode = cluster.node();
    api = cluster.api(apiNode, apiConfig("")).port();
    urlApi = cluster.api(apiNode, apiConfig("images: {output: url}")).port();
    shortTtlApi = cluster.api(apiNode, apiConfig("images: {output: url, ttlSeconds: 1}")).port();
    dataUrlApi = cluster.api(apiNode, apiConfig("images: {output: dataurl}")).port();
    otherNodeApi = cluster.api(secondApiNode, apiConfig("images: {output: url}")).port();
    cluster.worker(workerConfig("backends:\n  - {type: local, models: [local-image], concurrency: 4, size: 64}\n"));
    cluster.worker(workerConfig("backends:\n  - {type: local, models: [" + ECHO + "], concurrency: 4}\n"),
        (vertx, backend) -> (request, cancellation) -> Future.succeededFuture(new GenerationResult(null,
            request.images().stream()
                .map(i -> new GeneratedImage(i.mimeType(), i.data()))
                .toList())));
    for (int port : new int[] {api, urlApi, shortTtlApi, dataUrlApi, otherNodeApi}) {
      eventually("models on " + port,
          () -> GatewayClusterTest.modelIds(port).containsAll(List.of(ECHO, LOCAL)));
    }
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static String body(String model, String prompt, String... imageUrls) {
    JsonArray content = new JsonArray().add(new JsonObject().put("type", "text").put("text", prompt));
    for (String url : imageUrls) {
      content.add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", url)));
    }
    return new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content)))
        .encode();
  }

  static String content(Http.Response response) {
    assertEquals(200, response.status(), response.body());
    return response.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
  }

  /** The images of a markdown content, decoded, with their media types. */
  static List<Decoded> images(String content) throws Exception {
    List<Decoded> images = new ArrayList<>();
    Matcher m = DATA_IMAGE.matcher(content);
    while (m.find()) {
      byte[] bytes = Base64.getDecoder().decode(m.group(2));
      images.add(new Decoded(m.group(1), ImageIO.read(new ByteArrayInputStream(bytes))));
    }
    return images;
  }

  record Decoded(String mimeType, BufferedImage image) {
  }

  static Decoded echo(String mime, byte[] bytes) throws Exception {
    List<Decoded> out = images(content(chat(api, body(ECHO, "as is", Fixtures.dataUrl(mime, bytes)))));
    assertEquals(1, out.size());
    assertEquals("image/jpeg", out.get(0).mimeType(), "every input image reaches the worker as JPEG");
    return out.get(0);
  }

  static void assertColour(Color expected, int rgb, String where) {
    Color actual = new Color(rgb);
    int distance = Math.abs(actual.getRed() - expected.getRed()) + Math.abs(actual.getGreen() - expected.getGreen())
        + Math.abs(actual.getBlue() - expected.getBlue());
    assertTrue(distance < 60, where + ": expected about " + expected + ", got " + actual);
  }

  @Nested
  @DisplayName("accepted formats, converted to JPEG")
  class Formats {

    @Test
    @DisplayName("PNG")
    void png() throws Exception {
      BufferedImage out = echo("image/png", Fixtures.png(20, 10)).image();
      assertEquals(20, out.getWidth());
      assertColour(new Color(200, 60, 40), out.getRGB(2, 5), "left");
      assertColour(new Color(40, 90, 200), out.getRGB(17, 5), "right");
    }

    @Test
    @DisplayName("JPEG")
    void jpeg() throws Exception {
      BufferedImage out = echo("image/jpeg", Fixtures.jpeg()).image();
      assertEquals(20, out.getWidth());
      assertColour(new Color(200, 60, 40), out.getRGB(2, 5), "left");
    }

    @Test
    @DisplayName("GIF, animated: its first frame")
    void gif() throws Exception {
      BufferedImage out = echo("image/gif", Fixtures.animatedGif()).image();
      assertColour(Color.GREEN, out.getRGB(8, 8), "first frame");
    }

    @Test
    @DisplayName("WebP (TwelveMonkeys)")
    void webp() throws Exception {
      BufferedImage out = echo("image/webp", Fixtures.webp()).image();
      assertEquals(24, out.getWidth());
      assertEquals(16, out.getHeight());
      assertColour(new Color(200, 60, 40), out.getRGB(3, 8), "left");
      assertColour(new Color(40, 90, 200), out.getRGB(20, 8), "right");
    }

    @Test
    @DisplayName("transparent PNG: white where it was transparent")
    void transparency() throws Exception {
      BufferedImage out = echo("image/png", Fixtures.transparentPng()).image();
      assertColour(Color.RED, out.getRGB(3, 5), "opaque part");
      assertColour(Color.WHITE, out.getRGB(16, 5), "transparent part");
    }

    @Test
    @DisplayName("the longest side is capped at 2048, keeping the aspect ratio")
    void maxSide() throws Exception {
      BufferedImage out = echo("image/png", Fixtures.png(3000, 600)).image();
      assertEquals(2048, out.getWidth());
      assertTrue(Math.abs(out.getHeight() - 410) <= 1, "height " + out.getHeight());
    }

    @Test
    @DisplayName("five images, the default limit, all arrive in order")
    void five() throws Exception {
      String[] urls = new String[5];
      for (int i = 0; i < 5; i++) {
        urls[i] = Fixtures.dataUrl("image/png", Fixtures.png(10 + i, 10));
      }
      List<Decoded> out = images(content(chat(api, body(ECHO, "all of them", urls))));
      assertEquals(5, out.size());
      for (int i = 0; i < 5; i++) {
        assertEquals(10 + i, out.get(i).image().getWidth());
      }
    }

    @Test
    @DisplayName("image_url as a bare string is accepted too")
    void stringImageUrl() throws Exception {
      JsonObject body = new JsonObject().put("model", ECHO).put("messages", new JsonArray().add(new JsonObject()
          .put("role", "user").put("content", new JsonArray()
              .add(new JsonObject().put("type", "image_url").put("image_url", Fixtures.dataUrl("image/png", Fixtures.png(12, 6)))))));
      assertEquals(12, images(content(chat(api, body.encode()))).get(0).image().getWidth());
    }
  }

  @Nested
  @DisplayName("refused input, with status, code and param")
  class Refused {

    private String png() {
      return Fixtures.dataUrl("image/png", Fixtures.png(8, 8));
    }

    @Test
    @DisplayName("6 images with the default limit of 5: TOO_MANY_IMAGES")
    void six() {
      String[] urls = new String[6];
      java.util.Arrays.fill(urls, png());
      Http.Response response = chat(api, body(ECHO, "too many", urls));
      assertError(response, 400, "invalid_request_error", "TOO_MANY_IMAGES", "messages[0].content");
      assertEquals("Too many images: 6, at most 5", response.error().getString("message"));
    }

    @Test
    @DisplayName("11 images: TOO_MANY_IMAGES")
    void eleven() {
      String[] urls = new String[11];
      java.util.Arrays.fill(urls, png());
      Http.Response response = chat(api, body(ECHO, "far too many", urls));
      assertError(response, 400, "invalid_request_error", "TOO_MANY_IMAGES", "messages[0].content");
      assertEquals("Too many images: 11, at most 5", response.error().getString("message"));
    }

    @Test
    @DisplayName("bad base64: invalid_image")
    void badBase64() {
      assertError(chat(api, body(ECHO, "x", png(), "data:image/png;base64,@@not base64@@")),
          400, "invalid_request_error", "invalid_image", "messages[0].content[2]");
    }

    @Test
    @DisplayName("bytes that are no image: invalid_image")
    void undecodable() {
      assertError(chat(api, body(ECHO, "x", Fixtures.dataUrl("image/png", "just some text".getBytes()))),
          400, "invalid_request_error", "invalid_image", "messages[0].content[1]");
    }

    @Test
    @DisplayName("a text/plain data URL: invalid_image_format")
    void textPlain() {
      assertError(chat(api, body(ECHO, "x", Fixtures.dataUrl("text/plain", "hello".getBytes()))),
          400, "invalid_request_error", "invalid_image_format", "messages[0].content[1]");
    }

    @Test
    @DisplayName("a BMP posing as PNG: invalid_image_format")
    void bmp() {
      Http.Response response = chat(api, body(ECHO, "x", Fixtures.dataUrl("image/png", Fixtures.bmp())));
      assertError(response, 400, "invalid_request_error", "invalid_image_format", "messages[0].content[1]");
      assertTrue(response.error().getString("message").contains("BMP"), response.body());
    }

    @Test
    @DisplayName("an http:// URL: refused, only base64 data URLs are accepted")
    void httpUrl() {
      Http.Response response = chat(api, body(ECHO, "x", "http://example.com/cat.png"));
      assertError(response, 400, "invalid_request_error", "invalid_image_url", "messages[0].content[1]");
      assertTrue(response.error().getString("message").contains("Only base64 data URLs"), response.body());
    }

    @Test
    @DisplayName("a decompression bomb (a tiny PNG claiming 50,000 × 50,000): image_too_large, never decoded")
    void bomb() {
      byte[] bomb = Fixtures.bombPng(50_000);
      assertTrue(bomb.length < 100);
      Http.Response response = chat(api, body(ECHO, "x", Fixtures.dataUrl("image/png", bomb)));
      assertError(response, 400, "invalid_request_error", "image_too_large", "messages[0].content[1]");
      assertTrue(response.error().getString("message").contains("50000 × 50000"), response.body());
    }

    @Test
    @DisplayName("image_url of the wrong shape: invalid_type")
    void wrongShape() {
      String body = "{\"model\":\"" + ECHO + "\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"link\":1}}]}]}";
      assertError(chat(api, body), 400, "invalid_request_error", "invalid_type", "messages[0].content[0].image_url");
    }
  }

  @Nested
  @DisplayName("the local backend edits input images")
  class LocalEdits {

    @Test
    @DisplayName("the spec's example, 让这张图片更加鲜艳: the result is measurably more saturated")
    void vivid() throws Exception {
      BufferedImage input = Fixtures.halves(64, 64, new Color(150, 110, 100), new Color(90, 110, 140), BufferedImage.TYPE_INT_RGB);
      String content = content(chat(api, body(LOCAL, "让这张图片更加鲜艳", Fixtures.dataUrl("image/png", Fixtures.encode(input, "png")))));
      List<Decoded> out = images(content);
      assertEquals(1, out.size());
      assertEquals("image/png", out.get(0).mimeType());
      double before = Fixtures.meanSaturation(input);
      double after = Fixtures.meanSaturation(out.get(0).image());
      assertTrue(after > before * 1.3, "saturation " + before + " → " + after);
    }

    @Test
    @DisplayName("rotate 90 and grayscale combine; streaming works with images too")
    void combined() throws Exception {
      String url = Fixtures.dataUrl("image/png", Fixtures.png(40, 20));
      Http.Stream stream = Http.stream(api, new JsonObject(body(LOCAL, "rotate it and make it black and white", url))
          .put("stream", true).encode());
      String content = stream.texts().stream().filter(t -> t.contains("finish_reason\":\"stop"))
          .map(t -> new JsonObject(t.substring(6)).getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content"))
          .findFirst().orElseThrow();
      BufferedImage out = images(content).get(0).image();
      assertEquals(20, out.getWidth(), "rotated: width and height swap");
      assertEquals(40, out.getHeight());
      Color c = new Color(out.getRGB(10, 5));
      assertTrue(c.getRed() == c.getGreen() && c.getGreen() == c.getBlue(), "gray: " + c);
    }
  }

  @Nested
  @DisplayName("output modes")
  class Output {

    @Test
    @DisplayName("dataurl: the bare data URL")
    void dataUrl() {
      String content = content(chat(dataUrlApi, Http.chatBody(LOCAL, "a cat", false)));
      assertTrue(content.startsWith("data:image/png;base64,"), content.substring(0, 40));
    }

    /** The stored image's file name in a {@code url} mode answer of the API on {@code port}. */
    private String imageName(String content, int port) {
      Matcher m = Pattern.compile("!\\[generated]\\((http://[^/]+)/v1/images/([0-9a-f]{32}\\.png)\\)").matcher(content);
      assertTrue(m.matches(), content);
      assertEquals("http://127.0.0.1:" + port, m.group(1), "built from the request's Host");
      return m.group(2);
    }

    @Test
    @DisplayName("url: stored in the cluster, served by another API node")
    void url() throws Exception {
      String name = imageName(content(chat(urlApi, Http.chatBody(LOCAL, "a cat", false))), urlApi);
      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<byte[]> image = client.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + otherNodeApi + "/v1/images/" + name)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, image.statusCode());
      assertEquals("image/png", image.headers().firstValue("Content-Type").orElse(""));
      assertEquals(64, ImageIO.read(new ByteArrayInputStream(image.body())).getWidth());
    }

    // Apart from the test above, whose hour-long TTL cannot run out while it fetches on a slow machine.
    @Test
    @DisplayName("url: gone once its TTL has passed, on every node")
    void urlExpires() {
      String name = imageName(content(chat(shortTtlApi, Http.chatBody(LOCAL, "a short-lived cat", false))), shortTtlApi);
      eventually("expired", () -> Http.get(otherNodeApi, "/v1/images/" + name).status() == 404);
      assertError(Http.get(otherNodeApi, "/v1/images/" + name), 404, "invalid_request_error", "image_not_found", null);
    }
  }
}

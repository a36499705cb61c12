package io.genbus.api;

import static io.genbus.api.GatewayClusterTest.assertError;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.testing.Eventually.eventually;
import static io.genbus.api.TestCluster.workerConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.images.Image;
import com.openai.models.images.ImageEditParams;
import com.openai.models.images.ImageEditStreamEvent;
import com.openai.models.images.ImageGenStreamEvent;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.images.ImagesResponse;
import io.genbus.cluster.ClusterNode;
import io.genbus.protocol.ErrorCode;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.genbus.worker.Generator;
import io.genbus.worker.local.LocalRenderer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The Images API over real clustered nodes, driven with the official OpenAI Java SDK: generations with
 * {@code n}, sizes and both response formats; edits as the SDK sends them (multipart, several files and a
 * mask); streamed partial images; and the refusals, before queueing, of what no worker can serve.
 */
@DisplayName("the Images API")
class ImagesApiClusterTest {

  static final String LOCAL = "local-image";
  /** Served by a backend that declares nothing special: its own size only, opaque, no mask. */
  static final String PLAIN = "plain-image";
  /** Fails the image whose seed is 1: the second of a request's images. */
  static final String FLAKY = "flaky-image";
  /** Finishes its images only once three of them run at the same time. */
  static final String TOGETHER = "together-image";
  static final List<Promise<Void>> TOGETHER_RUNNING = new ArrayList<>();
  /** A local backend that takes a while. */
  static final String SLOW = "slow-image";
  /** A local backend drawing 1024 × 1024 for chat. */
  static final String LARGE = "large-image";

  static TestCluster cluster;
  static int api;
  static OpenAIClient client;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    ClusterNode apiNode = cluster.node();
    api = cluster.api(apiNode, apiConfig("keepAliveSeconds: 1")).port();
    cluster.worker(workerConfig("backends:\n  - {type: local, models: [" + LOCAL + "], concurrency: 4, size: 64, maxSize: 1024}\n"));
    cluster.worker(workerConfig("backends:\n  - {type: local, models: [" + LARGE + "], concurrency: 2, size: 1024}\n"));
    cluster.worker(workerConfig("backends:\n  - {type: local, models: [" + SLOW + "], concurrency: 1, size: 32, delayMs: 1500}\n"));
    cluster.worker(workerConfig("backends:\n  - {type: local, models: [" + PLAIN + ", " + FLAKY + ", " + TOGETHER + "], concurrency: 4}\n"),
        (vertx, backend) -> plainGenerator(vertx));
    eventually("models", () -> GatewayClusterTest.modelIds(api).containsAll(List.of(LOCAL, PLAIN, FLAKY, SLOW, LARGE, TOGETHER)));
    client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + api + "/v1").apiKey("sk-test").maxRetries(0).build();
  }

  /** A backend with the default capabilities, drawing with the local renderer; seed 1 of FLAKY fails. */
  static Generator plainGenerator(Vertx vertx) {
    return (request, cancellation) -> {
      if (request.model().equals(TOGETHER)) {
        // On the worker's event loop: no lock needed. Given up after 30 s, so a failure cannot hang the test.
        Promise<Void> running = Promise.promise();
        TOGETHER_RUNNING.add(running);
        if (TOGETHER_RUNNING.size() == 3) {
          TOGETHER_RUNNING.forEach(Promise::tryComplete);
          TOGETHER_RUNNING.clear();
        }
        vertx.setTimer(30_000, id -> running.tryFail("the three images did not run at the same time"));
        return running.future().map(v -> new GenerationResult(null, List.of(new GeneratedImage("image/png",
            LocalRenderer.renderPng("together", request.seed(), 16)))));
      }
      if (request.model().equals(FLAKY) && Long.valueOf(1).equals(request.seed())) {
        return Future.failedFuture(new GenerationException(ErrorCode.CONTENT_BLOCKED, "the second image is refused"));
      }
      byte[] png = LocalRenderer.renderPng(request.prompt(), request.seed() == null ? 0 : request.seed(), 48);
      return Future.succeededFuture(new GenerationResult("a revised " + request.prompt(), List.of(new GeneratedImage("image/png", png))));
    };
  }

  @AfterAll
  static void stop() {
    client.close();
    cluster.close();
  }

  static BufferedImage decode(byte[] bytes) throws Exception {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
    assertNotNull(image, "not an image");
    return image;
  }

  static BufferedImage decode(String base64) throws Exception {
    return decode(Base64.getDecoder().decode(base64));
  }

  static void assertColour(Color expected, int rgb, String where) {
    ImagesClusterTest.assertColour(expected, rgb, where);
  }

  static ImageGenerateParams.Builder generate(String model, String prompt) {
    return ImageGenerateParams.builder().model(model).prompt(prompt);
  }

  @Nested
  @DisplayName("generations")
  class Generations {

    @Test
    @DisplayName("n: 3 at a size, as base64: three different images at that size, described as OpenAI does")
    void threeAsBase64() throws Exception {
      ImagesResponse response = client.images().generate(generate(LOCAL, "a red fox in the snow")
          .n(3).size(ImageGenerateParams.Size.of("320x192"))
          .responseFormat(ImageGenerateParams.ResponseFormat.B64_JSON).build());
      List<Image> data = response.data().orElseThrow();
      assertEquals(3, data.size());
      Set<String> distinct = new HashSet<>();
      for (Image image : data) {
        BufferedImage decoded = decode(image.b64Json().orElseThrow());
        assertEquals(320, decoded.getWidth());
        assertEquals(192, decoded.getHeight());
        distinct.add(image.b64Json().orElseThrow());
      }
      assertEquals(3, distinct.size(), "each of the n images is its own");
      assertEquals("320x192", response.size().orElseThrow().asString());
      assertEquals("png", response.outputFormat().orElseThrow().asString());
      assertEquals("opaque", response.background().orElseThrow().asString());
      assertTrue(response.created() > 0);
      assertEquals(0L, response.usage().orElseThrow().totalTokens());
    }

    @Test
    @DisplayName("n: 3 as links: each link serves its image at the asked size")
    void threeAsUrls() throws Exception {
      ImagesResponse response = client.images().generate(generate(LOCAL, "a blue lake")
          .n(3).size(ImageGenerateParams.Size._256X256)
          .responseFormat(ImageGenerateParams.ResponseFormat.URL).build());
      List<Image> data = response.data().orElseThrow();
      assertEquals(3, data.size());
      for (Image image : data) {
        String url = image.url().orElseThrow();
        assertTrue(url.startsWith("http://127.0.0.1:" + api + "/v1/images/"), url);
        java.net.http.HttpResponse<byte[]> fetched = java.net.http.HttpClient.newHttpClient().send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, fetched.statusCode());
        assertEquals("image/png", fetched.headers().firstValue("Content-Type").orElse(null));
        BufferedImage decoded = decode(fetched.body());
        assertEquals(256, decoded.getWidth());
        assertEquals(256, decoded.getHeight());
      }
    }

    @Test
    @DisplayName("output_format jpeg, and a transparent PNG")
    void formatsAndBackground() throws Exception {
      ImagesResponse jpeg = client.images().generate(generate(LOCAL, "a green field").size(ImageGenerateParams.Size._256X256)
          .outputFormat(ImageGenerateParams.OutputFormat.JPEG).outputCompression(60).build());
      byte[] bytes = Base64.getDecoder().decode(jpeg.data().orElseThrow().get(0).b64Json().orElseThrow());
      assertEquals(0xFF, bytes[0] & 0xff);
      assertEquals(0xD8, bytes[1] & 0xff);
      assertEquals("jpeg", jpeg.outputFormat().orElseThrow().asString());
      assertEquals(256, decode(bytes).getWidth());

      ImagesResponse clear = client.images().generate(generate(LOCAL, "a green field").size(ImageGenerateParams.Size._256X256)
          .background(ImageGenerateParams.Background.TRANSPARENT).build());
      BufferedImage image = decode(clear.data().orElseThrow().get(0).b64Json().orElseThrow());
      assertTrue(image.getColorModel().hasAlpha());
      int transparent = 0;
      int opaque = 0;
      for (int y = 0; y < image.getHeight(); y += 4) {
        for (int x = 0; x < image.getWidth(); x += 4) {
          int alpha = image.getRGB(x, y) >>> 24;
          transparent += alpha == 0 ? 1 : 0;
          opaque += alpha == 255 ? 1 : 0;
        }
      }
      assertTrue(transparent > 100, "the background is transparent: " + transparent);
      assertTrue(opaque > 100, "the scene is not: " + opaque);
      assertEquals("transparent", clear.background().orElseThrow().asString());
    }

    @Test
    @DisplayName("the n jobs run at once on free slots")
    void parallel() {
      // The backend holds every image until three run at the same time: the request ends only if they do.
      ImagesResponse response = client.images().generate(generate(TOGETHER, "three at once").n(3).build());
      assertEquals(3, response.data().orElseThrow().size());
    }

    @Test
    @DisplayName("the backend's text comes back as revised_prompt")
    void revisedPrompt() {
      ImagesResponse response = client.images().generate(generate(PLAIN, "a kite").build());
      assertEquals("a revised a kite", response.data().orElseThrow().get(0).revisedPrompt().orElseThrow());
    }

    @Test
    @DisplayName("one image failing for good fails the request as a whole")
    void oneFails() {
      Http.Response response = Http.post(api, "/v1/images/generations",
          new JsonObject().put("model", FLAKY).put("prompt", "three").put("n", 3).encode());
      assertError(response, 400, "invalid_request_error", "content_blocked", null);
      assertTrue(response.error().getString("message").contains("the second image is refused"));
    }
  }

  @Nested
  @DisplayName("edits")
  class Edits {

    @Test
    @DisplayName("two files and a mask, as the SDK sends them: one image composed of both, edited within the mask")
    void twoFilesAndAMask() throws Exception {
      byte[] red = Fixtures.encode(Fixtures.halves(128, 128, new Color(200, 60, 40), new Color(200, 60, 40),
          BufferedImage.TYPE_INT_RGB), "png");
      byte[] blue = Fixtures.encode(Fixtures.halves(128, 128, new Color(40, 90, 200), new Color(40, 90, 200),
          BufferedImage.TYPE_INT_RGB), "png");
      // Opaque (keep) on the left, transparent (edit) on the right.
      byte[] mask = Fixtures.encode(Fixtures.halves(128, 128, Color.BLACK, new Color(0, 0, 0, 0),
          BufferedImage.TYPE_INT_ARGB), "png");
      ImagesResponse response = client.images().edit(ImageEditParams.builder()
          .model(LOCAL).prompt("make it black and white")
          .imageOfInputStreams(List.of(new ByteArrayInputStream(red), new ByteArrayInputStream(blue)))
          .mask(mask)
          .size(ImageEditParams.Size.of("256x128"))
          .build());
      List<Image> data = response.data().orElseThrow();
      assertEquals(1, data.size(), "several input images make one output image");
      BufferedImage out = decode(data.get(0).b64Json().orElseThrow());
      assertEquals(256, out.getWidth());
      assertEquals(128, out.getHeight());
      assertColour(new Color(200, 60, 40), out.getRGB(40, 64), "left: the first image, kept by the mask");
      assertColour(new Color(88, 88, 88), out.getRGB(216, 64), "right: the second image, made grey inside the mask");
    }

    @Test
    @DisplayName("the JSON form with data URLs")
    void json() throws Exception {
      JsonObject body = new JsonObject().put("model", LOCAL).put("prompt", "mirror it")
          .put("images", new JsonArray().add(new JsonObject().put("image_url", Fixtures.dataUrl("image/png", Fixtures.png(40, 20)))));
      Http.Response response = Http.post(api, "/v1/images/edits", body.encode());
      assertEquals(200, response.status(), response.body());
      BufferedImage out = decode(response.json().getJsonArray("data").getJsonObject(0).getString("b64_json"));
      assertEquals(40, out.getWidth(), "without a size, the first input's");
      assertColour(new Color(40, 90, 200), out.getRGB(3, 10), "mirrored: blue on the left now");
      assertColour(new Color(200, 60, 40), out.getRGB(36, 10), "and red on the right");
    }

    @Test
    @DisplayName("input images get the chat path's checks, naming the part")
    void checked() {
      Http.Response bmp = Http.post(api, "/v1/images/edits", new JsonObject().put("model", LOCAL).put("prompt", "x")
          .put("images", new JsonArray().add(new JsonObject().put("image_url", Fixtures.dataUrl("image/png", Fixtures.bmp())))).encode());
      assertError(bmp, 400, "invalid_request_error", "invalid_image_format", "images[0].image_url");
      Http.Response none = Http.post(api, "/v1/images/edits", new JsonObject().put("model", LOCAL).put("prompt", "x").encode());
      assertError(none, 400, "invalid_request_error", "missing_parameter", "image");
      JsonArray six = new JsonArray();
      for (int i = 0; i < 6; i++) {
        six.add(new JsonObject().put("image_url", Fixtures.dataUrl("image/png", Fixtures.png(8, 8))));
      }
      Http.Response many = Http.post(api, "/v1/images/edits", new JsonObject().put("model", LOCAL).put("prompt", "x")
          .put("images", six).encode());
      assertError(many, 400, "invalid_request_error", "TOO_MANY_IMAGES", "images");
      BadRequestException bomb = assertThrows(BadRequestException.class, () -> client.images().edit(ImageEditParams.builder()
          .model(LOCAL).prompt("x").image(Fixtures.bombPng(50_000)).build()));
      assertEquals("image_too_large", bomb.code().orElseThrow());
      assertEquals("image[0]", bomb.param().orElseThrow());
    }
  }

  @Nested
  @DisplayName("streams")
  class Streams {

    @Test
    @DisplayName("partial images, then the completed image, all at the asked size")
    void partialImages() throws Exception {
      List<ImageGenStreamEvent> events = new ArrayList<>();
      try (StreamResponse<ImageGenStreamEvent> stream = client.images().generateStreaming(generate(LOCAL, "a sunset")
          .size(ImageGenerateParams.Size.of("192x128")).partialImages(2).build())) {
        stream.stream().forEach(events::add);
      }
      assertEquals(3, events.size(), "two partial images and the completed one");
      for (int i = 0; i < 2; i++) {
        assertTrue(events.get(i).isGenerationPartialImage());
        assertEquals(i, events.get(i).asGenerationPartialImage().partialImageIndex());
        BufferedImage partial = decode(events.get(i).asGenerationPartialImage().b64Json());
        assertEquals(192, partial.getWidth());
        assertEquals(128, partial.getHeight());
      }
      assertTrue(events.get(2).isGenerationCompleted());
      byte[] completed = Base64.getDecoder().decode(events.get(2).asGenerationCompleted().b64Json());
      assertEquals(192, decode(completed).getWidth());
      assertEquals("192x128", events.get(2).asGenerationCompleted().size().asString());
      byte[] plain = Base64.getDecoder().decode(client.images().generate(generate(LOCAL, "a sunset")
          .size(ImageGenerateParams.Size.of("192x128")).build()).data().orElseThrow().get(0).b64Json().orElseThrow());
      assertArrayEquals(plain, completed, "the streamed image is the image");
      assertFalse(Arrays.equals(completed, Base64.getDecoder().decode(events.get(1).asGenerationPartialImage().b64Json())),
          "a partial image is a preview, not the image");
    }

    @Test
    @DisplayName("an edit streams image_edit events, and keep-alives while the job runs")
    void editEvents() throws Exception {
      List<ImageEditStreamEvent> events = new ArrayList<>();
      try (StreamResponse<ImageEditStreamEvent> stream = client.images().editStreaming(ImageEditParams.builder()
          .model(LOCAL).prompt("invert").image(Fixtures.png(64, 32)).partialImages(1).build())) {
        stream.stream().forEach(events::add);
      }
      assertEquals(2, events.size());
      assertTrue(events.get(0).isPartialImage());
      assertTrue(events.get(1).isCompleted());
      assertEquals(64, decode(events.get(1).asCompleted().b64Json()).getWidth());

      Http.Stream raw = Http.streamAt(api, "/v1/images/generations", new JsonObject().put("model", SLOW).put("prompt", "slow")
          .put("stream", true).encode());
      List<String> lines = raw.texts();
      assertTrue(lines.stream().anyMatch(l -> l.startsWith(": keep-alive")), "keep-alives while it runs: " + lines.size());
      assertTrue(lines.contains("event: image_generation.completed"), String.valueOf(lines.subList(0, Math.min(5, lines.size()))));
    }

    @Test
    @DisplayName("an error after the stream opened is an error event")
    void errorEvent() {
      Http.Stream raw = Http.streamAt(api, "/v1/images/generations", new JsonObject().put("model", FLAKY).put("prompt", "x")
          .put("n", 2).put("stream", true).encode());
      List<String> lines = raw.texts();
      int at = lines.indexOf("event: error");
      assertTrue(at >= 0, String.valueOf(lines));
      JsonObject error = new JsonObject(lines.get(at + 1).substring("data: ".length()));
      assertEquals("error", error.getString("type"));
      assertEquals("content_blocked", error.getJsonObject("error").getString("code"));
    }
  }

  @Nested
  @DisplayName("refusals, before anything is queued")
  class Refusals {

    static Http.Response generation(JsonObject fields) {
      return Http.post(api, "/v1/images/generations", fields.put("prompt", "a cat").encode());
    }

    @Test
    @DisplayName("n: 11 and an unknown size are invalid values")
    void invalid() {
      BadRequestException n = assertThrows(BadRequestException.class,
          () -> client.images().generate(generate(LOCAL, "a cat").n(11).build()));
      assertEquals(400, n.statusCode());
      assertEquals("n", n.param().orElseThrow());
      assertEquals("invalid_value", n.code().orElseThrow());
      assertError(generation(new JsonObject().put("model", LOCAL).put("size", "huge")), 400, "invalid_request_error",
          "invalid_value", "size");
      assertError(generation(new JsonObject().put("model", LOCAL).put("quality", "ultra")), 400, "invalid_request_error",
          "invalid_value", "quality");
      assertError(generation(new JsonObject().put("model", LOCAL).put("background", "transparent").put("output_format", "jpeg")),
          400, "invalid_request_error", "invalid_value", "background");
      assertError(generation(new JsonObject().put("model", LOCAL).put("n", "3")), 400, "invalid_request_error",
          "invalid_type", "n");
    }

    @Test
    @DisplayName("a size, a transparent background, a mask or a format the model's workers cannot make: unsupported_parameter")
    void unsupported() {
      BadRequestException size = assertThrows(BadRequestException.class,
          () -> client.images().generate(generate(LOCAL, "a cat").size(ImageGenerateParams.Size.of("2048x2048")).build()));
      assertEquals("size", size.param().orElseThrow());
      assertEquals("unsupported_parameter", size.code().orElseThrow());
      assertTrue(size.getMessage().contains("16–1024"), size.getMessage());
      BadRequestException background = assertThrows(BadRequestException.class, () -> client.images().generate(
          generate(PLAIN, "a cat").background(ImageGenerateParams.Background.TRANSPARENT).build()));
      assertEquals("background", background.param().orElseThrow());
      assertEquals("unsupported_parameter", background.code().orElseThrow());
      assertError(generation(new JsonObject().put("model", PLAIN).put("size", "1024x1024")), 400, "invalid_request_error",
          "unsupported_parameter", "size");
      Http.Response webp = generation(new JsonObject().put("model", LOCAL).put("output_format", "webp"));
      assertError(webp, 400, "invalid_request_error", "unsupported_parameter", "output_format");
      assertTrue(webp.error().getString("message").contains("no well-kept pure-Java WebP encoder"), webp.body());
      BadRequestException mask = assertThrows(BadRequestException.class, () -> client.images().edit(ImageEditParams.builder()
          .model(PLAIN).prompt("x").image(Fixtures.png(8, 8)).mask(Fixtures.transparentPng()).build()));
      assertEquals("mask", mask.param().orElseThrow());
      assertError(generation(new JsonObject().put("model", "no-such-model")), 400, "invalid_request_error",
          "MODEL_NOT_FOUND", "model");
    }

    @Test
    @DisplayName("GET /v1/models/{id} shows what the model's workers can do")
    void capabilities() {
      Http.Response response = Http.get(api, "/v1/models/" + LOCAL);
      assertEquals(200, response.status(), response.body());
      JsonObject caps = response.json().getJsonObject("genbus.capabilities");
      assertEquals(new JsonArray().add("auto"), caps.getJsonArray("sizes"));
      assertEquals(new JsonArray().add("any"), caps.getJsonArray("aspect_ratios"));
      assertEquals(1024, caps.getInteger("max_side"));
      assertEquals(10, caps.getInteger("max_n"));
      assertTrue(caps.getBoolean("transparent_background"));
      assertTrue(caps.getBoolean("mask"));
      assertEquals(3, caps.getInteger("partial_images"));
      assertEquals(new JsonArray().add("png").add("jpeg"), caps.getJsonArray("output_formats"));
      JsonObject plain = Http.get(api, "/v1/models/" + PLAIN).json().getJsonObject("genbus.capabilities");
      assertFalse(plain.getBoolean("transparent_background"));
      assertEquals(0, plain.getInteger("partial_images"));
    }
  }

  @Nested
  @DisplayName("chat completions")
  class Chat {

    @Test
    @DisplayName("a streamed 1024² image comes in chunks of at most 32 KiB a line that join to the whole answer")
    void chunkedImage() {
      String body = Http.chatBody(LARGE, "a lighthouse at dawn", false);
      String whole = ImagesClusterTest.content(Http.chat(api, body));
      assertTrue(whole.length() > 100_000, "a 1024² PNG as markdown: " + whole.length() + " characters");
      Http.Stream stream = Http.stream(api, Http.chatBody(LARGE, "a lighthouse at dawn", true));
      StringBuilder joined = new StringBuilder();
      int chunks = 0;
      String finish = null;
      for (String line : stream.texts()) {
        assertTrue(line.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 32 * 1024,
            "a line of " + line.length() + " bytes");
        if (line.startsWith("data: {")) {
          JsonObject choice = new JsonObject(line.substring(6)).getJsonArray("choices").getJsonObject(0);
          String content = choice.getJsonObject("delta").getString("content");
          if (content != null && !content.isEmpty()) {
            joined.append(content);
            chunks++;
          }
          finish = choice.getString("finish_reason", finish);
        }
      }
      assertTrue(chunks >= whole.length() / (32 * 1024), "several content chunks: " + chunks);
      assertEquals("stop", finish);
      assertEquals(whole, joined.toString(), "the chunks join to the very same markdown");
      assertEquals("data: [DONE]", stream.texts().get(stream.texts().size() - 1));
    }

    @Test
    @DisplayName("several input images on the local backend: one output image")
    void oneImageFromSeveral() throws Exception {
      String body = ImagesClusterTest.body(LOCAL, "make it vivid", Fixtures.dataUrl("image/png", Fixtures.png(40, 20)),
          Fixtures.dataUrl("image/png", Fixtures.png(30, 30)));
      List<ImagesClusterTest.Decoded> images = ImagesClusterTest.images(ImagesClusterTest.content(Http.chat(api, body)));
      assertEquals(1, images.size());
      assertEquals(40, images.get(0).image().getWidth(), "the first input's size");
    }
  }
}

package io.genbus.api;

import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.await;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.client.GenbusClient;
import io.genbus.client.GenbusEvent;
import io.genbus.client.GenbusException;
import io.genbus.client.GenbusRequest;
import io.genbus.client.GenbusResult;
import io.genbus.cluster.ClusterNode;
import io.genbus.examples.ImageToFile;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.JobLog;
import io.genbus.testing.LoopbackCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event-bus integration (issue 14): an application of its own in the cluster — a Vert.x instance that is
 * neither an API nor a worker node — asks for images through {@link GenbusClient}, as its users would.
 */
@DisplayName("event-bus integration: a Vert.x application in the cluster uses genbus through GenbusClient")
class EventBusClientClusterTest {

  static final String MODEL = "bus-image";
  static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  static TestCluster cluster;
  static ClusterNode app;
  static int api;

  @BeforeAll
  static void startCluster() {
    cluster = new TestCluster();
    api = cluster.api(cluster.node(), apiConfig("""
        tenants:
          - {name: acme, keys: [sk-acme]}
          - {name: other, keys: [sk-other]}
          - {name: slow, keys: [sk-slow], rpm: 1}
        """)).port();
    cluster.worker(workerConfig("heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [" + MODEL
        + "], concurrency: 2, size: 48, delayMs: 300}\n"));
    eventually("model served", () -> Http.get(api, "/v1/models", "Authorization", "Bearer sk-acme").body()
        .contains(MODEL));
    app = cluster.node(); // the integrating application: only a member of the cluster
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("text-to-image: the job's events arrive in order, numbered, ending with DONE; the job is durable")
  void textToImage() throws IOException {
    GenbusClient client = GenbusClient.create(app.vertx(), "sk-acme");
    List<GenbusEvent> events = collect(client.stream(GenbusRequest.chat(MODEL, "a red boat").withSeed(7)));

    GenbusEvent last = events.get(events.size() - 1);
    assertEquals(GenbusEvent.Type.DONE, last.type(), events.toString());
    List<GenbusEvent> numbered = events.stream().filter(e -> e.type() != GenbusEvent.Type.STATUS).toList();
    for (int i = 0; i < numbered.size(); i++) {
      assertEquals(i + 1, numbered.get(i).seq(), "events in order, each once: " + events);
    }
    List<GenbusEvent> images = events.stream().filter(e -> e.type() == GenbusEvent.Type.IMAGE).toList();
    assertEquals(1, images.size(), events.toString());
    assertEquals("image/png", images.get(0).mimeType());
    BufferedImage image = png(images.get(0).data());
    assertEquals(48, image.getWidth());
    assertTrue(events.get(0).type() == GenbusEvent.Type.STATUS, "the first event says queued or running: " + events);

    // a durable job like any other: its record, for its caller, over HTTP too
    Http.Response job = Http.get(api, "/v1/jobs/" + last.jobId(), "Authorization", "Bearer sk-acme");
    assertEquals(200, job.status(), job.body());
    assertEquals("succeeded", job.json().getString("status"));
    assertEquals("/v1/chat/completions", job.json().getString("endpoint"));
  }

  @Test
  @DisplayName("image-to-image: an input image goes as over HTTP, and the result is an edit of it")
  void imageToImage() throws Exception {
    GenbusClient client = GenbusClient.create(app.vertx(), "sk-acme");
    byte[] input = Fixtures.png(64, 32);
    GenbusResult result = await(client.generate(GenbusRequest.chat(MODEL, "make it grayscale")
        .withImage("image/png", input)));
    assertEquals(1, result.images().size());
    BufferedImage edited = png(result.images().get(0).data());
    assertEquals(2.0, (double) edited.getWidth() / edited.getHeight(), 0.1, "the input's shape, not a fresh square");
    assertTrue(Fixtures.meanSaturation(edited) < 0.05, "grayscale: " + Fixtures.meanSaturation(edited));
  }

  @Test
  @DisplayName("the Images API over the bus: n: 2 at 64x32 is one durable job of two images, as over HTTP")
  void imagesApi() throws Exception {
    GenbusClient client = GenbusClient.create(app.vertx(), "sk-acme");
    GenbusResult result = await(client.generate(GenbusRequest.images(MODEL, "two kites", 2, "64x32")));
    assertEquals(2, result.images().size());
    for (GenbusResult.Image image : result.images()) {
      BufferedImage png = png(image.data());
      assertEquals(64, png.getWidth());
      assertEquals(32, png.getHeight());
    }
    assertFalse(Arrays.equals(result.images().get(0).data(), result.images().get(1).data()), "two images");
    Http.Response job = Http.get(api, "/v1/jobs/" + result.jobId(), "Authorization", "Bearer sk-acme");
    assertEquals("/v1/images/generations", job.json().getString("endpoint"), job.body());
    assertEquals("succeeded", job.json().getString("status"), job.body());
    assertEquals(2, job.json().getJsonObject("image_counts").getInteger("completed"), job.body());
  }

  @Test
  @DisplayName("a stream resumed after an event number gets only the events after it")
  void resume() {
    GenbusClient client = GenbusClient.create(app.vertx(), "sk-acme");
    GenbusResult result = await(client.generate(GenbusRequest.chat(MODEL, "a green field")));
    List<GenbusEvent> all = collect(client.follow(result.jobId(), 0));
    List<GenbusEvent> rest = collect(client.follow(result.jobId(), 1));
    assertEquals(List.of(GenbusEvent.Type.IMAGE, GenbusEvent.Type.DONE), all.stream().map(GenbusEvent::type).toList());
    assertArrayEquals(result.images().get(0).data(), all.get(0).data());
    assertEquals(List.of(GenbusEvent.Type.DONE), rest.stream().map(GenbusEvent::type).toList());
    assertEquals(2, rest.get(0).seq());
  }

  @Test
  @DisplayName("an unknown model is a typed MODEL_NOT_FOUND, as over HTTP")
  void modelNotFound() {
    GenbusException e = failure(GenbusClient.create(app.vertx(), "sk-acme")
        .generate(GenbusRequest.chat("no-such-model", "anything")));
    assertEquals(ErrorCode.MODEL_NOT_FOUND, e.errorCode());
    assertEquals("MODEL_NOT_FOUND", e.code());
    assertEquals(400, e.status());
    assertEquals("model", e.param());
  }

  @Test
  @DisplayName("a tenant over its rpm gets a typed rate_limit_exceeded with the seconds to wait")
  void rateLimited() {
    GenbusClient client = GenbusClient.create(app.vertx(), "sk-slow");
    await(client.generate(GenbusRequest.chat(MODEL, "the one a minute")));
    GenbusException e = failure(client.generate(GenbusRequest.chat(MODEL, "one too many")));
    assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, e.errorCode());
    assertEquals("rate_limit_exceeded", e.code());
    assertEquals(429, e.status());
    assertTrue(e.retryAfterSeconds() >= 1 && e.retryAfterSeconds() <= 60, "Retry-After " + e.retryAfterSeconds());
    assertTrue(e.retryable());
  }

  @Test
  @DisplayName("a wrong key is invalid_api_key; bad requests are refused with the HTTP API's codes")
  void refusals() {
    GenbusException badKey = failure(GenbusClient.create(app.vertx(), "sk-wrong")
        .generate(GenbusRequest.chat(MODEL, "x")));
    assertEquals(ErrorCode.INVALID_API_KEY, badKey.errorCode());
    assertEquals(401, badKey.status());
    GenbusException noKey = failure(GenbusClient.create(app.vertx(), null).generate(GenbusRequest.chat(MODEL, "x")));
    assertEquals(ErrorCode.INVALID_API_KEY, noKey.errorCode());
    GenbusException noMessages = failure(GenbusClient.create(app.vertx(), "sk-acme")
        .generate(GenbusRequest.of("/v1/chat/completions", new JsonObject().put("model", MODEL))));
    assertEquals(ErrorCode.MISSING_PARAMETER, noMessages.errorCode());
    assertEquals("messages", noMessages.param());
    GenbusException endpoint = failure(GenbusClient.create(app.vertx(), "sk-acme")
        .generate(GenbusRequest.of("/v1/embeddings", new JsonObject().put("model", MODEL))));
    assertEquals(ErrorCode.INVALID_VALUE, endpoint.errorCode());
    assertEquals("endpoint", endpoint.param());
  }

  @Test
  @DisplayName("a caller sees only its own jobs: another key's ask for them is 404, as GET /v1/jobs/{id}")
  void ownJobsOnly() {
    GenbusResult result = await(GenbusClient.create(app.vertx(), "sk-acme")
        .generate(GenbusRequest.chat(MODEL, "mine")));
    GenbusException e = failure(collectFuture(GenbusClient.create(app.vertx(), "sk-other").follow(result.jobId(), 0)));
    assertEquals(ErrorCode.JOB_NOT_FOUND, e.errorCode());
    assertEquals(404, e.status());
    // the raw protocol says the same: a failure (404, OpenAI error JSON)
    ReplyException raw = assertInstanceOf(ReplyException.class, failureOf(app.vertx().eventBus().request(
        Addresses.JOBS_EVENTS, new JsonObject().put("id", result.jobId()).put("since", 0),
        new DeliveryOptions().addHeader(Addresses.API_KEY_HEADER, "sk-other"))));
    assertEquals(404, raw.failureCode());
    assertEquals("job_not_found", new JsonObject(raw.getMessage()).getJsonObject("error").getString("code"));
    JobLog own = await(app.vertx().eventBus().<JobLog>request(Addresses.JOBS_EVENTS,
        new JsonObject().put("id", result.jobId()).put("since", 0),
        new DeliveryOptions().addHeader(Addresses.API_KEY_HEADER, "sk-acme"))).body();
    assertEquals("succeeded", own.status());
    assertEquals(List.of("image", "done"), own.events().stream().map(JobLog.Entry::type).toList());
  }

  @Test
  @DisplayName("the example application joins the cluster with a node's flags and writes the image to a PNG file")
  void example(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("boat.png");
    int code = ImageToFile.run(new String[] {"--model", MODEL, "--prompt", "a boat at sea", "--out", out.toString(),
        "--members", LoopbackCluster.address(app), "--cluster-name", cluster.name()}, Map.of("GENBUS_API_KEY", "sk-acme"));
    assertEquals(0, code);
    byte[] written = Files.readAllBytes(out);
    assertArrayEquals(PNG_MAGIC, Arrays.copyOf(written, 8));
    assertEquals(48, png(written).getWidth());
  }

  static BufferedImage png(byte[] bytes) throws IOException {
    assertArrayEquals(PNG_MAGIC, Arrays.copyOf(bytes, 8), "a PNG");
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
    assertNotNull(image);
    return image;
  }

  /** Every event of the stream, once it ended (failing the test if it failed). */
  static List<GenbusEvent> collect(ReadStream<GenbusEvent> stream) {
    return await(collectFuture(stream));
  }

  static Future<List<GenbusEvent>> collectFuture(ReadStream<GenbusEvent> stream) {
    Promise<List<GenbusEvent>> all = Promise.promise();
    List<GenbusEvent> events = new ArrayList<>();
    stream.exceptionHandler(all::tryFail).endHandler(v -> all.tryComplete(events)).handler(events::add);
    return all.future();
  }

  static GenbusException failure(Future<?> future) {
    return assertInstanceOf(GenbusException.class, failureOf(future));
  }

  static Throwable failureOf(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("succeeded, expected a failure");
  }
}

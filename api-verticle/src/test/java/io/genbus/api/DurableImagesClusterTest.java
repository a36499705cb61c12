package io.genbus.api;

import static io.genbus.api.GatewayClusterTest.assertError;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.await;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import io.genbus.protocol.ErrorCode;
import io.genbus.worker.Gate;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
import org.junit.jupiter.api.Test;

/**
 * Durable Images API jobs over real clustered nodes: two API nodes (each its own cluster member) and worker
 * nodes, driven over HTTP. A request of n images is one job the client sees; each test uses a model of its own.
 */
@DisplayName("durable Images API jobs: async, n images as one job, events, idempotency, tenant limits")
class DurableImagesClusterTest {

  static final String KEY = "sk-images";
  static final String[] AUTH = {"Authorization", "Bearer " + KEY};
  static final String[] LIMITED = {"Authorization", "Bearer sk-limited"};
  static final String[] ASYNC = {"Prefer", "respond-async"};

  static TestCluster cluster;
  static ClusterNode apiNode1;
  static int api1;
  static int api2;
  static ClusterNode onceWorker;
  static ClusterNode flakyWorker;
  static final Gate events = new Gate();
  static final Gate once = new Gate();
  static final Gate limited = new Gate();

  @BeforeAll
  static void startCluster() {
    cluster = new TestCluster();
    String config = """
        keepAliveSeconds: 1
        tenants:
          - {name: images, keys: [%s]}
          - {name: limited, keys: [sk-limited], maxConcurrentJobs: 3, imagesPerDay: 5}
        """.formatted(KEY);
    apiNode1 = cluster.node();
    api1 = cluster.api(apiNode1, apiConfig(config)).port();
    api2 = cluster.api(cluster.node(), apiConfig(config)).port();
    worker("dji-gen", 3, null);
    worker("dji-edit", 1, null);
    worker("dji-events", 2, events);
    onceWorker = worker("dji-once", 2, once);
    worker("dji-limited", 3, limited);
    // refuses the image of seed 1 (a request's second) and holds the others until they are cancelled
    flakyWorker = cluster.worker(workerConfig("heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [dji-flaky], concurrency: 2}\n"),
        (vertx, backend) -> (request, cancellation) -> {
          if (Long.valueOf(1).equals(request.seed())) {
            return Future.failedFuture(new GenerationException(ErrorCode.CONTENT_BLOCKED, "the second image is refused"));
          }
          Promise<GenerationResult> never = Promise.promise();
          cancellation.onCancel(() -> never.tryFail(GenerationException.cancelled()));
          return never.future();
        });
    for (int port : new int[] {api1, api2}) {
      eventually("dji-flaky served", () -> Http.get(port, "/v1/models", AUTH).body().contains("dji-flaky"));
    }
  }

  @AfterAll
  static void stopCluster() {
    events.open();
    once.open();
    limited.open();
    cluster.close();
  }

  static ClusterNode worker(String model, int concurrency, Gate gate) {
    String config = "heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [" + model + "], concurrency: "
        + concurrency + ", size: 16, maxSize: 512}\n";
    ClusterNode node = gate == null ? cluster.worker(workerConfig(config)) : cluster.worker(workerConfig(config), gate.everyBackend());
    for (int port : new int[] {api1, api2}) {
      eventually(model + " served", () -> Http.get(port, "/v1/models", AUTH).body().contains(model));
    }
    return node;
  }

  /** A generation request; {@code size} null for the backend's own (a gated backend declares no other). */
  static String generation(String model, String prompt, int n, String size) {
    return new JsonObject().put("model", model).put("prompt", prompt).put("n", n).put("size", size).encode();
  }

  static JsonObject awaitStatus(int port, String id, String status, String... auth) {
    JsonObject[] job = new JsonObject[1];
    eventually("job " + id + " " + status, () -> {
      job[0] = Http.get(port, "/v1/jobs/" + id, auth.length == 0 ? AUTH : auth).json();
      return status.equals(job[0].getString("status"));
    });
    return job[0];
  }

  static BufferedImage decode(byte[] bytes) throws Exception {
    return ImageIO.read(new ByteArrayInputStream(bytes));
  }

  static byte[] b64(JsonObject item) {
    return Base64.getDecoder().decode(item.getString("b64_json"));
  }

  static <T> T get(Future<T> future) {
    return await(future);
  }

  @Test
  @DisplayName("Prefer: respond-async on generations: 202 at once; polled on the other API node, the image decodes at the asked size")
  void asyncGenerationPolledElsewhere() throws Exception {
    Http.Response accepted = Http.post(api1, "/v1/images/generations", generation("dji-gen", "a red fox", 1, "64x48"),
        DurableJobsClusterTest.concat(AUTH, ASYNC));
    assertEquals(202, accepted.status(), accepted.body());
    JsonObject job = accepted.json();
    String id = job.getString("id");
    assertEquals("/v1/jobs/" + id, accepted.header("Location"));
    assertEquals("respond-async", accepted.header("Preference-Applied"));
    assertEquals("image_generation", job.getString("kind"));
    assertEquals("/v1/images/generations", job.getString("endpoint"));
    assertEquals(new JsonObject().put("total", 1).put("completed", 0), job.getJsonObject("image_counts"));

    JsonObject done = awaitStatus(api2, id, "succeeded");
    assertEquals(new JsonObject().put("total", 1).put("completed", 1), done.getJsonObject("image_counts"));
    JsonObject result = done.getJsonObject("result");
    assertEquals("64x48", result.getString("size"));
    assertEquals("png", result.getString("output_format"));
    assertEquals(0, result.getJsonObject("usage").getInteger("total_tokens"));
    JsonArray data = result.getJsonArray("data");
    assertEquals(1, data.size());
    BufferedImage image = decode(b64(data.getJsonObject(0)));
    assertEquals(64, image.getWidth());
    assertEquals(48, image.getHeight());
    assertEquals(404, Http.get(api2, "/v1/jobs/" + id, "Authorization", "Bearer sk-limited").status());
  }

  @Test
  @DisplayName("n: 3 through POST /v1/jobs as links: one job, three different images, each part generated once")
  void threeImagesOneJob() throws Exception {
    JsonObject envelope = new JsonObject().put("endpoint", "/v1/images/generations").put("body",
        new JsonObject(generation("dji-gen", "three lakes", 3, "32x32")).put("response_format", "url"));
    Http.Response accepted = Http.post(api2, "/v1/jobs", envelope.encode(), AUTH);
    assertEquals(202, accepted.status(), accepted.body());
    String id = accepted.json().getString("id");

    JsonObject done = awaitStatus(api1, id, "succeeded");
    assertEquals(new JsonObject().put("total", 3).put("completed", 3), done.getJsonObject("image_counts"));
    assertEquals(1, done.getInteger("attempts"));
    JsonArray data = done.getJsonObject("result").getJsonArray("data");
    assertEquals(3, data.size());
    Set<String> distinct = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      String url = data.getJsonObject(i).getString("url");
      assertTrue(url.startsWith("http://127.0.0.1:" + api1 + "/v1/images/"), url);
      byte[] bytes = Http.bytes(api2, url.substring(url.indexOf("/v1/images/"))); // any node serves it
      assertEquals(32, decode(bytes).getWidth());
      distinct.add(Base64.getEncoder().encodeToString(bytes));
    }
    assertEquals(3, distinct.size(), "each image has its own seed");
    JsonArray mine = Http.get(api1, "/v1/jobs?limit=100", AUTH).json().getJsonArray("data");
    assertEquals(1, mine.stream().filter(j -> ((JsonObject) j).getString("id").equals(id)).count());
    assertEquals(1, mine.stream().filter(j -> ((JsonObject) j).getString("model").equals("dji-gen")
        && ((JsonObject) j).getJsonObject("image_counts").getInteger("total") == 3).count(), mine.encode());
  }

  @Test
  @DisplayName("edits: async as JSON via /v1/jobs (data URL), and multipart; the same multipart form with the same key is the same job")
  void asyncEdits() throws Exception {
    String dataUrl = Fixtures.dataUrl("image/png", Fixtures.png(40, 20));
    JsonObject envelope = new JsonObject().put("endpoint", "/v1/images/edits").put("body", new JsonObject()
        .put("model", "dji-edit").put("prompt", "mirror it").put("size", "48x24")
        .put("images", new JsonArray().add(new JsonObject().put("image_url", dataUrl))));
    Http.Response json = Http.post(api1, "/v1/jobs", envelope.encode(), AUTH);
    assertEquals(202, json.status(), json.body());
    assertEquals("image_edit", json.json().getString("kind"));
    JsonObject done = awaitStatus(api2, json.json().getString("id"), "succeeded");
    BufferedImage edited = decode(b64(done.getJsonObject("result").getJsonArray("data").getJsonObject(0)));
    assertEquals(48, edited.getWidth());
    assertEquals(24, edited.getHeight());

    String[] headers = DurableJobsClusterTest.concat(AUTH, "Prefer", "respond-async", "Idempotency-Key", "edit-7");
    Http.Response first = Http.post(api1, "/v1/images/edits", "multipart/form-data; boundary=first-boundary",
        form("first-boundary"), headers);
    assertEquals(202, first.status(), first.body());
    Http.Response again = Http.post(api2, "/v1/images/edits", "multipart/form-data; boundary=other-boundary",
        form("other-boundary"), headers);
    assertEquals(202, again.status(), again.body());
    assertEquals(first.json().getString("id"), again.json().getString("id"));
    assertEquals("true", again.header("Idempotent-Replayed"));
    JsonObject formDone = awaitStatus(api1, first.json().getString("id"), "succeeded");
    assertEquals(32, decode(b64(formDone.getJsonObject("result").getJsonArray("data").getJsonObject(0))).getWidth());
  }

  /** A multipart edit as the SDKs send it: text fields, and the image as a file part without a file name. */
  static byte[] form(String boundary) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String[] field : new String[][] {{"model", "dji-edit"}, {"prompt", "make it blue"}, {"size", "32x32"}}) {
      out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field[0] + "\"\r\n\r\n" + field[1]
          + "\r\n").getBytes(StandardCharsets.UTF_8));
    }
    out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"\r\nContent-Type: image/png\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8));
    out.write(Fixtures.png(30, 30));
    out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  @Test
  @DisplayName("GET /v1/jobs/{id}/events on the other node: completed events live, then [DONE]; Last-Event-ID resumes without duplicates")
  void eventsLiveAndResumed() throws Exception {
    Http.Response accepted = Http.post(api1, "/v1/images/generations", generation("dji-events", "two whales", 2, null),
        DurableJobsClusterTest.concat(AUTH, ASYNC));
    String id = accepted.json().getString("id");
    Gate.Held a = get(events.next());
    Gate.Held b = get(events.next());
    try (Http.LiveStream live = Http.openGet(api2, "/v1/jobs/" + id + "/events", AUTH)) {
      assertEquals("text/event-stream; charset=utf-8", live.head().header("Content-Type"));
      a.release();
      assertEquals("id: 1", nextEvent(live));
      assertEquals("event: image_generation.completed", nextEvent(live));
      JsonObject completed = new JsonObject(nextEvent(live).substring("data: ".length()));
      assertEquals("image_generation.completed", completed.getString("type"));
      assertEquals("16x16", completed.getString("size"));
      assertEquals(16, decode(b64(completed)).getWidth());
      b.release(); // the second image comes live, after the first was read
      List<String> rest = live.rest().texts().stream().filter(l -> !l.startsWith(":")).toList();
      assertEquals(List.of("id: 2", "event: image_generation.completed"), rest.subList(rest.indexOf("id: 2"), rest.indexOf("id: 2") + 2));
      assertEquals("data: [DONE]", rest.get(rest.size() - 1));
    }
    List<String> resumed = Http.events(api1, "/v1/jobs/" + id + "/events",
        DurableJobsClusterTest.concat(AUTH, "Last-Event-ID", "1")).texts();
    assertEquals(List.of("id: 2"), resumed.stream().filter(l -> l.startsWith("id: ")).toList(), resumed.toString());
    assertEquals("data: [DONE]", resumed.get(resumed.size() - 1));
  }

  /** The next line of an SSE stream that is not a comment (a keep-alive). */
  static String nextEvent(Http.LiveStream live) {
    String line;
    do {
      line = live.next().text();
    } while (line.startsWith(":"));
    return line;
  }

  @Test
  @DisplayName("a synchronous request with an Idempotency-Key whose connection is cut: the retry re-attaches, one generation per image")
  void idempotentRetryAfterCut() throws Exception {
    String body = generation("dji-once", "only once", 2, null);
    long before = cluster.workerStats(apiNode1, onceWorker).completed();
    String[] keyed = DurableJobsClusterTest.concat(AUTH, "Idempotency-Key", "images-42");
    try (Socket socket = Http.sendRaw(api1, "/v1/images/generations", body, keyed)) {
      List<Gate.Held> held = List.of(get(once.next()), get(once.next())); // both images run
      socket.close(); // the client is gone; its job is not
      held.forEach(Gate.Held::release);
    }
    Http.Response retried = Http.post(api2, "/v1/images/generations", body, keyed);
    assertEquals(200, retried.status(), retried.body());
    assertEquals("true", retried.header("Idempotent-Replayed"));
    JsonArray data = retried.json().getJsonArray("data");
    assertEquals(2, data.size());
    assertNotEquals(data.getJsonObject(0).getString("b64_json"), data.getJsonObject(1).getString("b64_json"));
    assertEquals(16, decode(b64(data.getJsonObject(1))).getWidth());

    Http.Response async = Http.post(api1, "/v1/images/generations", body, DurableJobsClusterTest.concat(keyed, ASYNC));
    assertEquals(202, async.status(), async.body());
    assertEquals("succeeded", async.json().getString("status"));
    assertEquals(before + 2, cluster.workerStats(apiNode1, onceWorker).completed());
    assertEquals(0, cluster.workerStats(apiNode1, onceWorker).cancelled());
    Http.Response reused = Http.post(api1, "/v1/images/generations", generation("dji-once", "something else", 2, null), keyed);
    assertError(reused, 409, "invalid_request_error", "idempotency_key_reused", "Idempotency-Key");
  }

  @Test
  @DisplayName("one image of the job fails for good: the job fails with its error, and its other image is cancelled on the worker")
  void onePartFails() {
    Http.Response accepted = Http.post(api2, "/v1/images/generations", generation("dji-flaky", "two, one refused", 2, null),
        DurableJobsClusterTest.concat(AUTH, ASYNC));
    assertEquals(202, accepted.status(), accepted.body());
    JsonObject failed = awaitStatus(api1, accepted.json().getString("id"), "failed");
    assertEquals("content_blocked", failed.getJsonObject("error").getString("code"), failed.encode());
    assertTrue(failed.getJsonObject("error").getString("message").contains("the second image is refused"), failed.encode());
    assertEquals(new JsonObject().put("total", 2).put("completed", 0), failed.getJsonObject("image_counts"));
    assertNull(failed.getValue("result"));
    eventually("the other image cancelled", () -> cluster.workerStats(apiNode1, flakyWorker).cancelled() == 1);
  }

  @Test
  @DisplayName("tenant limits count each image of a durable job: maxConcurrentJobs 3 and imagesPerDay 5")
  void tenantLimits() {
    String[] async = DurableJobsClusterTest.concat(LIMITED, ASYNC);
    Http.Response three = Http.post(api1, "/v1/images/generations", generation("dji-limited", "three", 3, null), async);
    assertEquals(202, three.status(), three.body());
    List<Gate.Held> held = new ArrayList<>(Arrays.asList(get(limited.next()), get(limited.next()), get(limited.next())));
    for (int port : new int[] {api1, api2}) {
      assertError(Http.post(port, "/v1/images/generations", generation("dji-limited", "a fourth", 1, null), async),
          429, "requests", "rate_limit_exceeded", null);
    }
    limited.open();
    held.forEach(Gate.Held::release);
    awaitStatus(api2, three.json().getString("id"), "succeeded", LIMITED);
    // the three places are free once the ends reach the cluster; two more images are all the day has left
    Http.Response[] two = new Http.Response[1];
    eventually("places free again", () -> {
      two[0] = Http.post(api2, "/v1/images/generations", generation("dji-limited", "two more", 2, null), async);
      return two[0].status() == 202;
    });
    awaitStatus(api1, two[0].json().getString("id"), "succeeded", LIMITED);
    assertError(Http.post(api1, "/v1/images/generations", generation("dji-limited", "one too many", 1, null), async),
        429, "insufficient_quota", "insufficient_quota", null);
    assertNull(Http.get(api1, "/v1/jobs/" + two[0].json().getString("id"), LIMITED).json().getJsonObject("error"));
  }
}

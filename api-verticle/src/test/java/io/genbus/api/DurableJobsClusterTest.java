package io.genbus.api;

import static io.genbus.api.Http.chatBody;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.await;
import static io.genbus.testing.Eventually.eventually;
import static io.genbus.api.TestCluster.workerConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Durable jobs over real clustered nodes: two API nodes (each its own cluster member) and worker nodes, driven
 * over HTTP. Each test uses a model of its own, so the tests share no slots.
 */
@DisplayName("durable jobs: async requests, events, idempotency, cancel, webhooks")
class DurableJobsClusterTest {

  static final String KEY_A = "sk-alpha";
  static final String KEY_B = "sk-beta";
  static final byte[] SECRET = "a test secret of 32 bytes.......".getBytes(StandardCharsets.US_ASCII);
  static final String[] AUTH_A = {"Authorization", "Bearer " + KEY_A};

  static TestCluster cluster;
  static ClusterNode apiNode1;
  static ClusterNode apiNode2;
  static int api1;
  static int api2;
  static ClusterNode counted;

  @BeforeAll
  static void startCluster() {
    cluster = new TestCluster();
    String common = "keys: [" + KEY_A + ", " + KEY_B + "]\nkeepAliveSeconds: 1\nwebhooks: {secret: \"whsec_"
        + Base64.getEncoder().encodeToString(SECRET) + "\"";
    apiNode1 = cluster.node();
    api1 = cluster.api(apiNode1, apiConfig(common + ", allowPrivate: true}")).port();
    apiNode2 = cluster.node();
    api2 = cluster.api(apiNode2, apiConfig(common + "}")).port();
    worker("dj-async", 1, 300);
    worker("dj-events", 1, 1500);
    worker("dj-slow", 1, 600_000);
    worker("dj-hook", 1, 0);
    counted = worker("dj-once", 1, 2000);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  static ClusterNode worker(String model, int concurrency, int delayMs) {
    ClusterNode node = cluster.worker(workerConfig("heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [" + model
        + "], concurrency: " + concurrency + ", size: 16, delayMs: " + delayMs + "}\n"));
    for (int port : new int[] {api1, api2}) {
      eventually(model + " served", () -> Http.get(port, "/v1/models", AUTH_A).body().contains(model));
    }
    return node;
  }

  static Http.Response submitAsync(int port, String body, String... more) {
    String[] headers = concat(AUTH_A, "Prefer", "respond-async");
    return Http.post(port, "/v1/chat/completions", body, concat(headers, more));
  }

  static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  static JsonObject awaitStatus(int port, String id, String status) {
    JsonObject[] job = new JsonObject[1];
    eventually("job " + id + " " + status, () -> {
      job[0] = Http.get(port, "/v1/jobs/" + id, AUTH_A).json();
      return status.equals(job[0].getString("status"));
    });
    return job[0];
  }

  @Test
  @DisplayName("Prefer: respond-async answers 202 at once; the result is fetched from another API node; another key sees 404")
  void asyncSubmitThenPollElsewhere() {
    Http.Response accepted = submitAsync(api1, chatBody("dj-async", "a red fox", false));
    assertEquals(202, accepted.status(), accepted.body());
    JsonObject job = accepted.json();
    String id = job.getString("id");
    assertEquals("/v1/jobs/" + id, accepted.header("Location"));
    assertEquals("genbus.job", job.getString("object"));
    assertEquals("dj-async", job.getString("model"));
    assertTrue(List.of("queued", "running").contains(job.getString("status")), job.encode());

    JsonObject done = awaitStatus(api2, id, "succeeded");
    JsonObject completion = done.getJsonObject("result");
    assertEquals("chat.completion", completion.getString("object"));
    assertEquals("chatcmpl-" + id, completion.getString("id"));
    assertTrue(completion.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content")
        .startsWith("![generated](data:image/png;base64,"));
    assertEquals(1, done.getInteger("attempts"));
    assertNotNull(done.getLong("completed_at"));

    Http.Response other = Http.get(api2, "/v1/jobs/" + id, "Authorization", "Bearer " + KEY_B);
    assertEquals(404, other.status());
    assertEquals("job_not_found", other.error().getString("code"));
    JsonArray mine = Http.get(api1, "/v1/jobs?status=succeeded&limit=100", AUTH_A).json().getJsonArray("data");
    assertTrue(mine.stream().anyMatch(j -> ((JsonObject) j).getString("id").equals(id)));
    JsonObject theirs = Http.get(api1, "/v1/jobs", "Authorization", "Bearer " + KEY_B).json();
    assertEquals("list", theirs.getString("object"));
    assertTrue(theirs.getJsonArray("data").stream().noneMatch(j -> ((JsonObject) j).getString("id").equals(id)));
  }

  @Test
  @DisplayName("POST /v1/jobs; its events stream live from another node; Last-Event-ID resumes without duplicates")
  void eventsReplayAndResume() {
    JsonObject envelope = new JsonObject().put("endpoint", "/v1/chat/completions")
        .put("body", new JsonObject(chatBody("dj-events", "a blue whale", false)));
    Http.Response accepted = Http.post(api1, "/v1/jobs", envelope.encode(), AUTH_A);
    assertEquals(202, accepted.status(), accepted.body());
    String id = accepted.json().getString("id");

    // opened while the job waits or runs (1.5 s): replay, then live, then the end
    Http.Stream live = Http.events(api2, "/v1/jobs/" + id + "/events", AUTH_A);
    List<String> lines = live.texts();
    assertEquals("text/event-stream; charset=utf-8", live.head().header("Content-Type"));
    assertEquals(List.of("id: 0", "id: 1", "id: 2"), lines.stream().filter(l -> l.startsWith("id: ")).toList(), lines.toString());
    assertTrue(lines.get(lines.indexOf("id: 1") + 1).contains("![generated](data:image/png;base64,"));
    assertTrue(lines.get(lines.indexOf("id: 2") + 1).contains("\"finish_reason\":\"stop\""));
    assertEquals("data: [DONE]", lines.get(lines.size() - 1));

    // a client that saw event 1 reconnects (to the other node): only what it missed
    Http.Stream resumed = Http.events(api1, "/v1/jobs/" + id + "/events", concat(AUTH_A, "Last-Event-ID", "1"));
    List<String> rest = resumed.texts();
    assertEquals(List.of("id: 2"), rest.stream().filter(l -> l.startsWith("id: ")).toList(), rest.toString());
    assertTrue(rest.stream().noneMatch(l -> l.contains("base64")));
    assertEquals("data: [DONE]", rest.get(rest.size() - 1));
  }

  @Test
  @DisplayName("a retried request with the same Idempotency-Key re-attaches to the job its cut connection started: one generation")
  void idempotentRetryAfterCut() throws Exception {
    String body = chatBody("dj-once", "only once", false);
    long before = cluster.workerStats(apiNode1, counted).completed();
    // the first attempt's connection is cut while its job runs
    try (Socket socket = Http.sendRaw(api1, "/v1/chat/completions", body, concat(AUTH_A, "Idempotency-Key", "order-42"))) {
      eventually("the job runs", () -> cluster.workerStats(apiNode1, counted).running() == 1);
    }
    Http.Response retried = Http.chat(api2, body, concat(AUTH_A, "Idempotency-Key", "order-42"));
    assertEquals(200, retried.status(), retried.body());
    assertEquals("true", retried.header("Idempotent-Replayed"));
    assertEquals("chat.completion", retried.json().getString("object"));
    assertEquals(before + 1, cluster.workerStats(apiNode1, counted).completed());
    assertEquals(0, cluster.workerStats(apiNode1, counted).cancelled());

    Http.Response again = Http.chat(api1, body, concat(AUTH_A, "Idempotency-Key", "order-42"));
    assertEquals(retried.json().getString("id"), again.json().getString("id"));
    Http.Response reused = Http.chat(api1, chatBody("dj-once", "something else", false),
        concat(AUTH_A, "Idempotency-Key", "order-42"));
    assertEquals(409, reused.status(), reused.body());
    assertEquals("idempotency_key_reused", reused.error().getString("code"));
    assertEquals(before + 1, cluster.workerStats(apiNode1, counted).completed());
  }

  @Test
  @DisplayName("DELETE on another node cancels a running job and frees its slot for the next")
  void deleteFreesTheSlot() {
    String first = submitAsync(api1, chatBody("dj-slow", "forever", false)).json().getString("id");
    awaitStatus(api1, first, "running");
    String second = submitAsync(api1, chatBody("dj-slow", "next", false)).json().getString("id");
    assertEquals("queued", Http.get(api2, "/v1/jobs/" + second, AUTH_A).json().getString("status"));

    Http.Response cancelled = Http.delete(api2, "/v1/jobs/" + first, AUTH_A);
    assertEquals(200, cancelled.status(), cancelled.body());
    assertEquals("cancelled", cancelled.json().getString("status"));
    assertEquals("job_cancelled", cancelled.json().getJsonObject("error").getString("code"));
    awaitStatus(api2, second, "running"); // the one slot is free again
    assertEquals(200, Http.delete(api1, "/v1/jobs/" + second, AUTH_A).status());
    assertEquals(404, Http.delete(api1, "/v1/jobs/" + second, "Authorization", "Bearer " + KEY_B).status());
  }

  @Test
  @DisplayName("a webhook is signed per Standard Webhooks and retried after two 500s; attempts are on the job")
  void webhookSignedAndRetried() throws Exception {
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    HttpServer receiver = await(apiNode1.vertx().createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      String id = req.getHeader("webhook-id");
      String timestamp = req.getHeader("webhook-timestamp");
      received.add(new JsonObject().put("id", id).put("valid", verify(id, timestamp, body.toString(),
          req.getHeader("webhook-signature"))).put("body", body.toString()));
      req.response().setStatusCode(calls.incrementAndGet() <= 2 ? 500 : 204).end();
    })).listen(0, "127.0.0.1"));
    try {
      String url = "http://127.0.0.1:" + receiver.actualPort() + "/hook";
      JsonObject body = new JsonObject(chatBody("dj-hook", "ring me", false)).put("webhook", new JsonObject().put("url", url));
      Http.Response refused = submitAsync(api2, body.encode()); // api2 does not allow private addresses
      assertEquals(400, refused.status(), refused.body());
      assertEquals("webhook_url_refused", refused.error().getString("code"));

      String id = submitAsync(api1, body.encode()).json().getString("id");
      eventually("three deliveries", () -> received.size() == 3);
      assertTrue(received.stream().allMatch(r -> r.getBoolean("valid")), received.toString());
      assertEquals(1, received.stream().map(r -> r.getString("id")).distinct().count(), "one message id for all attempts");
      JsonObject payload = new JsonObject(received.get(2).getString("body"));
      assertEquals(id, payload.getString("id"));
      assertEquals("succeeded", payload.getString("status"));
      JsonObject webhook = awaitWebhook(id);
      assertEquals(List.of(500, 500, 204), webhook.getJsonArray("attempts").stream()
          .map(a -> ((JsonObject) a).getInteger("status")).toList());
    } finally {
      await(receiver.close());
    }
  }

  static JsonObject awaitWebhook(String id) {
    JsonObject[] webhook = new JsonObject[1];
    eventually("delivery recorded", () -> {
      webhook[0] = Http.get(api2, "/v1/jobs/" + id, AUTH_A).json().getJsonObject("webhook");
      return webhook[0].getBoolean("delivered");
    });
    return webhook[0];
  }

  /** The Standard Webhooks check, written from the spec: base64 HMAC-SHA256 of "id.timestamp.body", "v1," first. */
  static boolean verify(String id, String timestamp, String body, String header) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
      String expected = Base64.getEncoder().encodeToString(
          mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
      long age = Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp));
      return age < 300 && List.of(header.split(" ")).contains("v1," + expected);
    } catch (Exception e) {
      return false;
    }
  }
}

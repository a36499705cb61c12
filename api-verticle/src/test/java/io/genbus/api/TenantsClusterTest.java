package io.genbus.api;

import static io.genbus.api.GatewayClusterTest.assertError;
import static io.genbus.api.Http.chatBody;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.genbus.cluster.ClusterNode;
import io.genbus.worker.Gate;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Tenants over real clustered nodes: two API nodes (each its own Hazelcast member) share every limit through
 * the cluster; fair share in a model's line; OpenAI's rate-limit headers as the official SDK reads them.
 */
@DisplayName("tenants: limits across API nodes, fair share")
class TenantsClusterTest {

  static final String MODEL = "tenant-model";
  static final String HELD = "tenant-held-model";
  static final String FAIR = "tenant-fair-model";
  static TestCluster cluster;
  static int apiA;
  static int apiB;
  static Gate held = new Gate();
  static Gate fair = new Gate();
  static ExecutorService clients = Executors.newCachedThreadPool();

  @BeforeAll
  static void startCluster() throws Exception {
    String config = """
        keepAliveSeconds: 1
        tenants:
          - {name: acme, keys: [sk-acme], rpm: 5}
          - {name: busy, keys: [sk-busy], maxConcurrentJobs: 2}
          - {name: quota, keys: ["sha256:%s"], imagesPerDay: 3}
          - {name: narrow, keys: [sk-narrow], models: ["tenant-m*"]}
          - {name: heavy, keys: [sk-heavy]}
          - {name: light, keys: [sk-light]}
          - {name: sdk, keys: [sk-sdk], rpm: 1}
        adminKeys: [sk-admin]
        """.formatted(sha256("sk-quota"));
    cluster = new TestCluster();
    ClusterNode nodeA = cluster.node();
    ClusterNode nodeB = cluster.node();
    apiA = cluster.api(nodeA, apiConfig(config)).port();
    apiB = cluster.api(nodeB, apiConfig(config)).port();
    cluster.worker(workerConfig("heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [" + MODEL
        + "], concurrency: 4, size: 32, maxSize: 256}\n"));
    cluster.worker(workerConfig("heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [" + HELD
        + "], concurrency: 4, size: 32}\n"), held.everyBackend());
    cluster.worker(workerConfig("heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [" + FAIR
        + "], concurrency: 1, size: 32}\n"), fair.everyBackend());
    for (int port : new int[] {apiA, apiB}) {
      eventually("models on " + port, () -> GatewayClusterTest.modelIds(port, "Authorization", "Bearer sk-admin")
          .containsAll(List.of(MODEL, HELD, FAIR)));
    }
  }

  @AfterAll
  static void stopCluster() {
    held.open();
    fair.open();
    clients.shutdownNow();
    cluster.close();
  }

  static String sha256(String key) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
  }

  static String[] key(String key) {
    return new String[] {"Authorization", "Bearer " + key};
  }

  static <T> CompletableFuture<T> async(Supplier<T> call) {
    return CompletableFuture.supplyAsync(call, clients);
  }

  /** Limits count per UTC minute: start a test of them with time to spare in the current one. */
  static void awaitFreshMinute() throws InterruptedException {
    long left = 60_000 - System.currentTimeMillis() % 60_000;
    if (left < 25_000) {
      Thread.sleep(left + 100);
    }
  }

  @Test
  @DisplayName("rpm 5 over two API nodes: 5 of 8 requests pass, the rest get 429 rate_limit_exceeded with Retry-After and headers")
  void requestsPerMinuteAcrossNodes() throws Exception {
    awaitFreshMinute();
    int passed = 0;
    List<Http.Response> refused = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Http.Response r = Http.chat(i % 2 == 0 ? apiA : apiB, chatBody(MODEL, "rpm " + i, false), key("sk-acme"));
      assertEquals("5", r.header("x-ratelimit-limit-requests"), r.body());
      assertTrue(r.header("x-ratelimit-reset-requests").matches("(\\d+m)?\\d+s|\\d+ms"), r.header("x-ratelimit-reset-requests"));
      if (r.status() == 200) {
        passed++;
        assertEquals(String.valueOf(5 - passed), r.header("x-ratelimit-remaining-requests"), "after " + passed);
      } else {
        refused.add(r);
      }
    }
    assertEquals(5, passed, "accepted in total over both nodes");
    assertEquals(3, refused.size());
    for (Http.Response r : refused) {
      assertError(r, 429, "requests", "rate_limit_exceeded", null);
      assertEquals("0", r.header("x-ratelimit-remaining-requests"));
      int retryAfter = Integer.parseInt(r.header("Retry-After"));
      assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
    }
    // Another tenant is not affected.
    assertEquals(200, Http.chat(apiB, chatBody(MODEL, "someone else", false), key("sk-heavy")).status());
  }

  @Test
  @DisplayName("maxConcurrentJobs 2 over two API nodes: a third job waits for none, it is refused until one ends")
  void concurrentJobsAcrossNodes() throws Exception {
    Http.LiveStream one = Http.open(apiA, chatBody(HELD, "busy one", true), key("sk-busy"));
    Http.LiveStream two = Http.open(apiB, chatBody(HELD, "busy two", true), key("sk-busy"));
    Gate.Held first = held.arrival("busy one").toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    held.arrival("busy two").toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    for (int port : new int[] {apiA, apiB}) {
      Http.Response refused = Http.chat(port, chatBody(HELD, "busy three", false), key("sk-busy"));
      assertError(refused, 429, "requests", "rate_limit_exceeded", null);
      assertTrue(refused.error().getString("message").contains("2 jobs queued or running"), refused.body());
      assertNotNull(refused.header("Retry-After"));
    }
    first.release();
    assertEquals("data: [DONE]", last(one.rest().texts()));
    one.close();
    // Its place is free once the end reaches the cluster: a new job is admitted (and held) again.
    eventually("a place is free again", () -> {
      Http.LiveStream again = Http.open(apiB, chatBody(HELD, "busy again", true), key("sk-busy"));
      boolean admitted = again.next().text().startsWith("data: ");
      if (admitted) {
        clients.submit(() -> again.rest());
      } else {
        again.close();
      }
      return admitted;
    });
    held.open();
    assertEquals("data: [DONE]", last(two.rest().texts()));
    two.close();
  }

  @Test
  @DisplayName("imagesPerDay 3 (a hashed key in the config): n=2 passes, n=2 more is 429 insufficient_quota, n=1 passes")
  void imagesPerDay() {
    String two = new JsonObject().put("model", MODEL).put("prompt", "quota").put("n", 2).put("size", "64x64").encode();
    String one = new JsonObject().put("model", MODEL).put("prompt", "quota").put("n", 1).put("size", "64x64").encode();
    Http.Response first = Http.post(apiA, "/v1/images/generations", two, key("sk-quota"));
    assertEquals(200, first.status(), first.body());
    assertEquals(2, first.json().getJsonArray("data").size());
    assertEquals("3", first.header("x-ratelimit-limit-images"));
    assertEquals("1", first.header("x-ratelimit-remaining-images"));
    Http.Response over = Http.post(apiB, "/v1/images/generations", two, key("sk-quota"));
    assertError(over, 429, "insufficient_quota", "insufficient_quota", null);
    assertEquals("1", over.header("x-ratelimit-remaining-images"));
    assertTrue(over.header("x-ratelimit-reset-images").endsWith("s"), over.header("x-ratelimit-reset-images"));
    assertEquals(200, Http.post(apiB, "/v1/images/generations", one, key("sk-quota")).status());
    assertError(Http.post(apiA, "/v1/images/generations", one, key("sk-quota")), 429, "insufficient_quota",
        "insufficient_quota", null);
  }

  @Test
  @DisplayName("a model outside the tenant's list: 403 model_not_allowed, and /v1/models lists only what it may use")
  void modelsAllowed() {
    assertError(Http.chat(apiA, chatBody(HELD, "not mine", false), key("sk-narrow")), 403, "invalid_request_error",
        "model_not_allowed", "model");
    assertEquals(200, Http.chat(apiA, chatBody(MODEL, "mine", false), key("sk-narrow")).status());
    List<String> listed = GatewayClusterTest.modelIds(apiA, key("sk-narrow"));
    assertTrue(listed.contains(MODEL), listed.toString());
    assertFalse(listed.contains(HELD), listed.toString());
    assertError(Http.chat(apiA, chatBody(MODEL, "who", false), key("sk-nobody")), 401, "authentication_error",
        "invalid_api_key", null);
  }

  @Test
  @DisplayName("fair share: tenant A queues 50 streams on one slot, then B sends 1: B's job is among the next two to start")
  void fairShare() throws Exception {
    List<CompletableFuture<Http.Stream>> heavy = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      String body = chatBody(FAIR, "heavy " + i, true);
      heavy.add(async(() -> Http.stream(apiA, body, key("sk-heavy"))));
    }
    // the 50 are sent at once, so any of them may be the first to reach the slot
    fair.next().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    eventually("49 of A's jobs waiting", () -> waiting(apiA, FAIR) == 49);
    CompletableFuture<Http.Stream> light = async(() -> Http.stream(apiA, chatBody(FAIR, "light", true), key("sk-light")));
    eventually("B's job waiting too", () -> waiting(apiA, FAIR) == 50);
    fair.open();
    assertEquals("data: [DONE]", last(light.get(60, TimeUnit.SECONDS).texts()));
    for (CompletableFuture<Http.Stream> f : heavy) {
      assertEquals("data: [DONE]", last(f.get(60, TimeUnit.SECONDS).texts()));
    }
    List<String> started = fair.prompts();
    assertEquals(51, started.size());
    int position = started.indexOf("light");
    assertTrue(position >= 1 && position <= 2, "B's job started " + position + "th after the running one: " + started);
  }

  @Test
  @DisplayName("the official SDK sees RateLimitException with the rate-limit headers intact")
  void sdkSeesRateLimit() throws Exception {
    awaitFreshMinute();
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + apiA + "/v1").apiKey("sk-sdk")
        .maxRetries(0).build();
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("sdk").build();
    client.chat().completions().create(params);
    RateLimitException e = org.junit.jupiter.api.Assertions.assertThrows(RateLimitException.class,
        () -> client.chat().completions().create(params));
    assertEquals(429, e.statusCode());
    assertEquals(List.of("1"), e.headers().values("x-ratelimit-limit-requests"));
    assertEquals(List.of("0"), e.headers().values("x-ratelimit-remaining-requests"));
    assertFalse(e.headers().values("Retry-After").isEmpty());
  }

  static int waiting(int port, String model) {
    return Http.get(port, "/v1/status", key("sk-admin")).json().getJsonObject("models")
        .getJsonObject(model, new JsonObject()).getInteger("waiting", 0);
  }

  static String last(List<String> texts) {
    return texts.get(texts.size() - 1);
  }
}

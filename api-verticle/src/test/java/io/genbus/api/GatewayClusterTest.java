package io.genbus.api;

import static io.genbus.api.Http.chat;
import static io.genbus.api.Http.chatBody;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.await;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.genbus.cluster.ClusterNode;
import io.genbus.config.LocalBackendConfig;
import io.genbus.config.WorkerConfig;
import io.genbus.protocol.JobAccepted;
import io.genbus.protocol.JobEvent;
import io.genbus.protocol.WorkerStats;
import io.genbus.worker.Gate;
import io.genbus.worker.Generators;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The whole path over real clustered nodes on loopback: an API node and worker nodes, each its own
 * Vert.x instance and Hazelcast member, driven over real HTTP. Jobs of the slow model wait at a {@link Gate}
 * until the test lets them finish, so what happens while a job runs never depends on how long it takes.
 */
@DisplayName("genbus over a real cluster")
class GatewayClusterTest {

  static final String FAST = "local-image";
  static final String SLOW = "slow-image";
  static final long KEEP_ALIVE_MS = 1000;
  static final Pattern IMAGE = Pattern.compile("!\\[generated]\\(data:image/png;base64,([A-Za-z0-9+/=]+)\\)");

  static TestCluster cluster;
  static ClusterNode apiNode;
  static ClusterNode workerNode;
  static int open;
  static int keyed;
  static int chinese;
  static int contentMode;
  static final Gate slowJobs = new Gate();

  @BeforeAll
  static void startCluster() {
    cluster = new TestCluster();
    apiNode = cluster.node();
    String common = "keepAliveSeconds: 1\nmaxBodyBytes: 65536\n";
    open = cluster.api(apiNode, apiConfig(common)).port();
    keyed = cluster.api(apiNode, apiConfig(common + "keys: [sk-test, sk-other]")).port();
    chinese = cluster.api(apiNode, apiConfig(common + "errorLanguage: zh")).port();
    contentMode = cluster.api(apiNode, apiConfig(common + "keepAliveMode: content")).port();
    workerNode = cluster.worker(workerConfig("""
        heartbeatSeconds: 1
        backends:
          - {type: local, models: [local-image], concurrency: 4, size: 64, delayMs: 0}
          - {type: local, models: [slow-image], concurrency: 4, size: 64, delayMs: 0}
        """), (vertx, backend) -> backend.models().contains(SLOW)
            ? slowJobs.before(Generators.create(vertx, backend)) : Generators.create(vertx, backend));
    for (int port : new int[] {open, keyed, chinese, contentMode}) {
      eventually("models listed on port " + port,
          () -> modelIds(port, "Authorization", "Bearer sk-test").containsAll(List.of(FAST, SLOW)));
    }
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  static List<String> modelIds(int port, String... headers) {
    Http.Response response = Http.get(port, "/v1/models", headers);
    assertEquals(200, response.status(), response.body());
    return response.json().getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("id")).toList();
  }

  static BufferedImage decodeImage(String content) throws Exception {
    Matcher m = IMAGE.matcher(content);
    assertTrue(m.matches(), "content is not one markdown image: " + content.substring(0, Math.min(80, content.length())));
    return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
  }

  static void assertError(Http.Response response, int status, String type, String code, String param) {
    assertEquals(status, response.status(), response.body());
    assertTrue(response.header("Content-Type").startsWith("application/json"));
    JsonObject error = response.error();
    assertNotNull(error, response.body());
    assertEquals(type, error.getString("type"), response.body());
    assertEquals(code, error.getString("code"), response.body());
    assertEquals(param, error.getString("param"), response.body());
    assertTrue(error.containsKey("param"), "param must be present, even when null");
    assertTrue(error.getString("message") != null && !error.getString("message").isBlank());
  }

  static boolean emptyDelta(String frame) {
    return frame.startsWith("data: {")
        && new JsonObject(frame.substring(6)).getJsonArray("choices").getJsonObject(0).getJsonObject("delta").isEmpty();
  }

  /** Opens a stream, waits until {@code queued} holds, then drops the connection. */
  static void disconnectWhileQueued(int port, String streamBody, java.util.function.BooleanSupplier queued) throws Exception {
    Vertx client = Vertx.vertx();
    try {
      HttpClient http = client.createHttpClient();
      HttpClientRequest request = await(http.request(new RequestOptions()
          .setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI("/v1/chat/completions")));
      request.putHeader("Content-Type", "application/json");
      request.send(Buffer.buffer(streamBody));
      eventually("request queued", queued);
      await(request.connection().close());
    } finally {
      await(client.close());
    }
  }

  @Nested
  @DisplayName("a non-streaming request")
  class NonStreaming {

    @Test
    @DisplayName("gets one chat.completion with the image as markdown")
    void shape() throws Exception {
      long before = System.currentTimeMillis() / 1000;
      Http.Response response = chat(open, chatBody(FAST, "generate a cat", false));
      assertEquals(200, response.status(), response.body());
      assertTrue(response.header("Content-Type").startsWith("application/json"));
      JsonObject body = response.json();
      assertTrue(body.getString("id").startsWith("chatcmpl-"));
      assertEquals("chat.completion", body.getString("object"));
      assertEquals(FAST, body.getString("model"));
      long created = body.getLong("created");
      assertTrue(created >= before && created <= before + 60, "created is in seconds: " + created);
      JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
      assertEquals(0, choice.getInteger("index"));
      assertEquals("stop", choice.getString("finish_reason"));
      assertEquals("assistant", choice.getJsonObject("message").getString("role"));
      BufferedImage image = decodeImage(choice.getJsonObject("message").getString("content"));
      assertEquals(64, image.getWidth());
      assertEquals(64, image.getHeight());
    }

    @Test
    @DisplayName("a job that ends at once comes back as one message: its DONE, as the answer to the Job")
    void answeredByItsDone() {
      List<Object> toApi = new CopyOnWriteArrayList<>(); // what reaches the API node's handlers
      Handler<DeliveryContext<Object>> record = ctx -> {
        if (ctx.message().body() instanceof JobEvent || ctx.message().body() instanceof JobAccepted) {
          toApi.add(ctx.message().body());
        }
        ctx.next();
      };
      apiNode.vertx().eventBus().addInboundInterceptor(record);
      try {
        // A render slower than the worker's 20-ms linger (a cold JVM, a GC pause on a busy CI machine) is
        // accepted first, rightly: so a few jobs are sent, and one of them must come back as its DONE alone.
        List<List<Object>> jobs = new ArrayList<>();
        for (int i = 0; i < 10 && jobs.stream().noneMatch(j -> j.size() == 1); i++) {
          String id = chat(open, chatBody(FAST, "a quick cat " + i, false)).json().getString("id").substring("chatcmpl-".length());
          jobs.add(toApi.stream().filter(m -> id.equals(m instanceof JobEvent e ? e.jobId() : ((JobAccepted) m).jobId())).toList());
        }
        List<Object> answered = jobs.stream().filter(j -> j.size() == 1).findFirst()
            .orElseThrow(() -> new AssertionError("every job was accepted before its DONE: " + jobs));
        JobEvent done = assertInstanceOf(JobEvent.class, answered.get(0));
        assertEquals(JobEvent.Type.DONE, done.type());
        assertNotNull(done.data(), "the image rides on it");
      } finally {
        apiNode.vertx().eventBus().removeInboundInterceptor(record);
      }
    }

    @Test
    @DisplayName("ids are unique per request; same prompt and seed give the same image")
    void uniqueIdsSameImage() {
      String body = new JsonObject(chatBody(FAST, "a lighthouse", false)).put("seed", 5).encode();
      JsonObject a = chat(open, body).json();
      JsonObject b = chat(open, body).json();
      assertTrue(!a.getString("id").equals(b.getString("id")));
      assertEquals(content(a), content(b));
      String other = content(chat(open, chatBody(FAST, "a lighthouse at night", false)).json());
      assertTrue(!other.equals(content(a)));
    }

    private String content(JsonObject completion) {
      return completion.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
    }

    @Test
    @DisplayName("takes content as an array of parts, and ignores fields it does not know")
    void contentParts() throws Exception {
      JsonObject body = new JsonObject()
          .put("model", FAST)
          .put("temperature", 0.7)
          .put("user", "someone")
          .put("messages", new JsonArray()
              .add(new JsonObject().put("role", "system").put("content", "be nice"))
              .add(new JsonObject().put("role", "user").put("content", new JsonArray()
                  .add(new JsonObject().put("type", "text").put("text", "a red fox")))));
      Http.Response response = chat(open, body.encode());
      assertEquals(200, response.status(), response.body());
      decodeImage(response.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    }
  }

  @Nested
  @DisplayName("a streaming request")
  class Streaming {

    @Test
    @DisplayName("gets the role chunk, keep-alives while the job runs, the content with stop, then [DONE]")
    void framesInOrder() throws Exception {
      List<String> frames;
      try (Http.LiveStream stream = Http.open(open, chatBody(SLOW, "frames in order", true))) {
        assertEquals(200, stream.head().status());
        assertTrue(stream.head().header("Content-Type").startsWith("text/event-stream"));
        assertEquals("no-cache", stream.head().header("Cache-Control"));
        assertEquals("no", stream.head().header("X-Accel-Buffering"));
        Gate.Held job = await(slowJobs.arrival("frames in order"));
        assertTrue(stream.next().text().startsWith("data: {"), "the role chunk first");
        assertTrue(stream.next().text().startsWith(": keep-alive"));
        assertTrue(stream.next().text().startsWith(": keep-alive"));
        job.release();
        frames = stream.rest().texts();
      }

      JsonObject role = new JsonObject(frames.get(0).substring("data: ".length()));
      assertEquals("chat.completion.chunk", role.getString("object"));
      JsonObject roleChoice = role.getJsonArray("choices").getJsonObject(0);
      assertEquals("assistant", roleChoice.getJsonObject("delta").getString("role"));
      assertEquals("", roleChoice.getJsonObject("delta").getString("content"));
      assertNull(roleChoice.getValue("finish_reason"));
      assertTrue(roleChoice.containsKey("finish_reason"));

      int contentAt = frames.size() - 2;
      List<String> between = frames.subList(1, contentAt);
      long keepAlives = between.stream().filter(f -> f.startsWith(": keep-alive")).count();
      assertTrue(keepAlives >= 2, "expected ≥2 keep-alives before the content, got " + between);
      assertTrue(between.stream().allMatch(f -> f.startsWith(":")), "only comments before the content: " + between);

      JsonObject content = new JsonObject(frames.get(contentAt).substring("data: ".length()));
      JsonObject choice = content.getJsonArray("choices").getJsonObject(0);
      assertEquals("stop", choice.getString("finish_reason"));
      assertEquals(64, decodeImage(choice.getJsonObject("delta").getString("content")).getWidth());
      assertEquals("data: [DONE]", frames.get(frames.size() - 1));

      assertEquals(role.getString("id"), content.getString("id"), "one id per stream");
      assertEquals(role.getLong("created"), content.getLong("created"), "one created per stream");
    }

    @Test
    @DisplayName("keep-alives come every keepAliveSeconds from the moment the stream opens, never sooner")
    void keepAliveTiming() {
      try (Http.LiveStream stream = Http.open(open, chatBody(SLOW, "timing", true))) {
        Gate.Held job = await(slowJobs.arrival("timing"));
        long previous = stream.next().atMs(); // the role chunk
        for (int k = 1; k <= 3; k++) {
          Http.Line keepAlive = stream.next();
          assertEquals(": keep-alive", keepAlive.text());
          // A timer never fires early, so the k-th keep-alive cannot come sooner than k intervals after the
          // request was sent, however loaded the machine.
          assertTrue(keepAlive.atMs() >= k * KEEP_ALIVE_MS, "keep-alive " + k + " after " + keepAlive.atMs() + " ms");
          // And they keep coming: a bound so wide that only a stalled machine breaks it, not a busy one.
          long silence = keepAlive.atMs() - previous;
          assertTrue(silence < 5 * KEEP_ALIVE_MS, "silent for " + silence + " ms before keep-alive " + k);
          previous = keepAlive.atMs();
        }
        job.release();
        List<String> frames = stream.rest().texts();
        assertTrue(frames.get(frames.size() - 2).contains("\"finish_reason\":\"stop\""), frames.toString());
        assertEquals("data: [DONE]", frames.get(frames.size() - 1));
      }
    }

    @Test
    @DisplayName("keepAliveMode content sends empty-delta chunks instead of comments")
    void contentKeepAlive() {
      List<String> frames;
      try (Http.LiveStream stream = Http.open(contentMode, chatBody(SLOW, "content keep-alives", true))) {
        Gate.Held job = await(slowJobs.arrival("content keep-alives"));
        stream.next(); // the role chunk
        assertTrue(emptyDelta(stream.next().text()));
        assertTrue(emptyDelta(stream.next().text()));
        job.release();
        frames = stream.rest().texts();
      }
      assertTrue(frames.stream().noneMatch(f -> f.startsWith(":")), "no comments: " + frames);
      long empties = frames.stream().filter(GatewayClusterTest::emptyDelta).count();
      assertTrue(empties >= 2, "expected ≥2 empty-delta chunks: " + frames);
      assertEquals("data: [DONE]", frames.get(frames.size() - 1));
    }

    @Test
    @DisplayName("an unknown model is refused before the stream opens")
    void unknownModel() {
      Http.Response response = chat(open, chatBody("invalid-model", "a cat", true));
      assertError(response, 400, "invalid_request_error", "MODEL_NOT_FOUND", "model");
    }
  }

  @Nested
  @DisplayName("errors")
  class Errors {

    @Test
    @DisplayName("no live worker for the model: 400 MODEL_NOT_FOUND")
    void modelNotFound() {
      Http.Response response = chat(open, chatBody("invalid-model", "a cat", false));
      assertError(response, 400, "invalid_request_error", "MODEL_NOT_FOUND", "model");
      assertEquals("No worker serves model: invalid-model", response.error().getString("message"));
    }

    @Test
    @DisplayName("errorLanguage zh gives the spec's wording")
    void chinese() {
      Http.Response response = chat(chinese, chatBody("invalid-model", "a cat", false));
      assertError(response, 400, "invalid_request_error", "MODEL_NOT_FOUND", "model");
      assertEquals("没有 Worker 支持模型: invalid-model", response.error().getString("message"));
    }

    @Test
    @DisplayName("keys configured: a missing or wrong bearer key gets 401 invalid_api_key")
    void unauthorized() {
      assertError(chat(keyed, chatBody(FAST, "a cat", false)), 401, "authentication_error", "invalid_api_key", null);
      assertError(chat(keyed, chatBody(FAST, "a cat", false), "Authorization", "Bearer sk-wrong"),
          401, "authentication_error", "invalid_api_key", null);
      assertError(chat(keyed, chatBody(FAST, "a cat", false), "Authorization", "sk-test"),
          401, "authentication_error", "invalid_api_key", null);
      assertError(Http.get(keyed, "/v1/models"), 401, "authentication_error", "invalid_api_key", null);
      assertEquals(200, chat(keyed, chatBody(FAST, "a cat", false), "Authorization", "Bearer sk-test").status());
      assertEquals(200, chat(keyed, chatBody(FAST, "a cat", false), "Authorization", "bearer sk-other").status());
    }

    @Test
    @DisplayName("a body over api.maxBodyBytes gets 413")
    void tooLarge() {
      String big = chatBody(FAST, "x".repeat(70 * 1024), false);
      assertError(chat(open, big), 413, "invalid_request_error", "request_too_large", null);
    }

    @Test
    @DisplayName("malformed JSON gets 400 invalid_json")
    void malformed() {
      assertError(chat(open, "{\"model\": \"local-image\", \"messages\": ["), 400, "invalid_request_error", "invalid_json", null);
      assertError(chat(open, "[1, 2]"), 400, "invalid_request_error", "invalid_json", null);
      assertError(chat(open, ""), 400, "invalid_request_error", "invalid_json", null);
    }

    @Test
    @DisplayName("missing or mistyped fields get 400 naming the param")
    void badFields() {
      String messages = "[{\"role\":\"user\",\"content\":\"a cat\"}]";
      assertError(chat(open, "{\"messages\":" + messages + "}"), 400, "invalid_request_error", "missing_parameter", "model");
      assertError(chat(open, "{\"model\":42,\"messages\":" + messages + "}"), 400, "invalid_request_error", "invalid_type", "model");
      assertError(chat(open, "{\"model\":\"local-image\"}"), 400, "invalid_request_error", "missing_parameter", "messages");
      assertError(chat(open, "{\"model\":\"local-image\",\"messages\":\"hi\"}"), 400, "invalid_request_error", "invalid_type", "messages");
      assertError(chat(open, "{\"model\":\"local-image\",\"messages\":[]}"), 400, "invalid_request_error", "invalid_value", "messages");
      assertError(chat(open, "{\"model\":\"local-image\",\"stream\":\"yes\",\"messages\":" + messages + "}"),
          400, "invalid_request_error", "invalid_type", "stream");
      assertError(chat(open, "{\"model\":\"local-image\",\"messages\":[{\"role\":\"user\",\"content\":7}]}"),
          400, "invalid_request_error", "invalid_type", "messages[0].content");
      assertError(chat(open, "{\"model\":\"local-image\",\"messages\":[{\"content\":\"a cat\"}]}"),
          400, "invalid_request_error", "missing_parameter", "messages[0].role");
      assertError(chat(open, "{\"model\":\"local-image\",\"messages\":[{\"role\":\"system\",\"content\":\"hi\"}]}"),
          400, "invalid_request_error", "invalid_value", "messages");
    }

    @Test
    @DisplayName("an unknown endpoint gets 404 in the same shape")
    void unknownEndpoint() {
      assertError(Http.get(open, "/v1/nothing"), 404, "invalid_request_error", "not_found", null);
    }
  }

  @Nested
  @DisplayName("/v1/models")
  class Models {

    @Test
    @DisplayName("lists the live models in OpenAI's list shape")
    void shape() {
      JsonObject body = Http.get(open, "/v1/models").json();
      assertEquals("list", body.getString("object"));
      JsonObject model = body.getJsonArray("data").stream().map(JsonObject.class::cast)
          .filter(m -> m.getString("id").equals(FAST)).findFirst().orElseThrow();
      assertEquals("model", model.getString("object"));
      assertEquals("genbus", model.getString("owned_by"));
      assertTrue(model.getLong("created") > 1_600_000_000L);
      assertEquals(FAST, Http.get(open, "/v1/models/" + FAST).json().getString("id"));
      assertError(Http.get(open, "/v1/models/invalid-model"), 400, "invalid_request_error", "MODEL_NOT_FOUND", "model");
    }

    @Test
    @DisplayName("a worker node that joins appears; one that leaves disappears")
    void joinAndLeave() {
      ClusterNode joiner = cluster.worker(WorkerConfig.of(new LocalBackendConfig(List.of("joiner-model"), 1, 32, 0)));
      eventually("joiner-model listed", () -> modelIds(open).contains("joiner-model"));
      assertEquals(200, chat(open, chatBody("joiner-model", "hello", false)).status());
      cluster.stop(joiner);
      eventually("joiner-model gone", () -> !modelIds(open).contains("joiner-model"));
      assertError(chat(open, chatBody("joiner-model", "hello", false)), 400, "invalid_request_error", "MODEL_NOT_FOUND", "model");
    }

    @Test
    @DisplayName("a worker node that crashes (Hazelcast terminated, no goodbye) disappears too")
    void crash() {
      ClusterNode crasher = cluster.worker(WorkerConfig.of(new LocalBackendConfig(List.of("crasher-model"), 1, 32, 0)));
      eventually("crasher-model listed", () -> modelIds(open).contains("crasher-model"));
      crasher.clusterManager().getHazelcastInstance().getLifecycleService().terminate();
      eventually("crasher-model gone", () -> !modelIds(open).contains("crasher-model"));
      cluster.stop(crasher);
    }
  }

  @Nested
  @DisplayName("a client that disconnects")
  class Disconnects {

    @Test
    @DisplayName("mid-stream cancels its job on the worker and frees the slot")
    void streamDisconnect() throws Exception {
      WorkerStats before = cluster.workerStats(apiNode, workerNode);
      try (Http.LiveStream stream = Http.open(open, chatBody(SLOW, "never finished stream", true))) {
        Gate.Held job = await(slowJobs.arrival("never finished stream"));
        assertTrue(stream.next().text().startsWith("data: {"), "the first bytes");
        stream.close();
        await(job.cancelled());
      }
      WorkerStats after = cluster.workerStats(apiNode, workerNode);
      assertEquals(before.cancelled() + 1, after.cancelled());
      assertEquals(0, after.running());
      assertEquals(before.completed(), after.completed());
    }

    @Test
    @DisplayName("while waiting for a non-streaming answer cancels its job too")
    void nonStreamDisconnect() throws Exception {
      WorkerStats before = cluster.workerStats(apiNode, workerNode);
      Vertx client = Vertx.vertx();
      try {
        HttpClientRequest request = await(client.createHttpClient().request(new RequestOptions()
            .setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(open).setURI("/v1/chat/completions")));
        request.putHeader("Content-Type", "application/json");
        request.send(Buffer.buffer(chatBody(SLOW, "never finished", false)));
        Gate.Held job = await(slowJobs.arrival("never finished")); // it runs on the worker
        await(request.connection().close());
        await(job.cancelled());
      } finally {
        await(client.close());
      }
      WorkerStats after = cluster.workerStats(apiNode, workerNode);
      assertEquals(before.cancelled() + 1, after.cancelled());
      assertEquals(0, after.running());
    }
  }

  @Nested
  @DisplayName("the official OpenAI Java SDK as the client")
  class OpenAiSdk {

    private OpenAIClient client() {
      return OpenAIOkHttpClient.builder()
          .baseUrl("http://127.0.0.1:" + keyed + "/v1")
          .apiKey("sk-test")
          .maxRetries(0)
          .build();
    }

    private ChatCompletionCreateParams params(String prompt) {
      return ChatCompletionCreateParams.builder().model(FAST).addUserMessage(prompt).build();
    }

    @Test
    @DisplayName("non-streaming: reads the image out of message.content")
    void nonStreaming() throws Exception {
      OpenAIClient client = client();
      try {
        ChatCompletion completion = client.chat().completions().create(params("a cat in the SDK"));
        assertTrue(completion.id().startsWith("chatcmpl-"));
        assertEquals(FAST, completion.model());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        String content = completion.choices().get(0).message().content().orElseThrow();
        assertEquals(64, decodeImage(content).getWidth());
      } finally {
        client.close();
      }
    }

    @Test
    @DisplayName("streaming: joins the deltas and reads the image")
    void streaming() throws Exception {
      OpenAIClient client = client();
      StringBuilder content = new StringBuilder();
      List<String> finishReasons = new java.util.ArrayList<>();
      try (StreamResponse<ChatCompletionChunk> stream =
               client.chat().completions().createStreaming(params("a cat streamed through the SDK"))) {
        stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
          choice.delta().content().ifPresent(content::append);
          choice.finishReason().ifPresent(r -> finishReasons.add(r.asString()));
        }));
      } finally {
        client.close();
      }
      assertEquals(List.of("stop"), finishReasons);
      assertEquals(64, decodeImage(content.toString()).getWidth());
    }

    @Test
    @DisplayName("a wrong key surfaces as the SDK's UnauthorizedException")
    void wrongKey() {
      OpenAIClient client = OpenAIOkHttpClient.builder()
          .baseUrl("http://127.0.0.1:" + keyed + "/v1").apiKey("sk-wrong").maxRetries(0).build();
      try {
        UnauthorizedException e = assertThrows(UnauthorizedException.class,
            () -> client.chat().completions().create(params("a cat")));
        assertEquals(401, e.statusCode());
      } finally {
        client.close();
      }
    }
  }
}

package io.genbus.api;

import static io.genbus.api.GatewayClusterTest.assertError;
import static io.genbus.api.Http.chat;
import static io.genbus.api.Http.chatBody;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import io.genbus.config.ConfigLoader;
import io.genbus.worker.Gate;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Hostile and careless clients against real clustered nodes, over HTTP and raw sockets: oversized prompts and
 * bodies, more requests and streams than a node takes, slow clients (slowloris), and the safe defaults (no
 * keys → loopback only, a separate operations port, what image URLs serve).
 */
@DisplayName("hostile clients at the API edge")
class HostileClientsClusterTest {

  static final String LOCAL = "local-image";
  /** A model whose generations wait until the test releases them: requests stay open as long as a test needs. */
  static final String HELD = "held-model";
  static final Gate held = new Gate();
  static final ExecutorService clients = Executors.newCachedThreadPool();

  static TestCluster cluster;
  static ClusterNode apiNode;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    apiNode = cluster.node();
    cluster.worker(workerConfig("backends:\n  - {type: local, models: [" + LOCAL + "], concurrency: 4, size: 256}\n"));
    cluster.worker(workerConfig("heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [" + HELD + "], concurrency: 20, size: 16}\n"),
        held.everyBackend());
  }

  @AfterEach
  void releaseHeld() {
    held.releaseAll();
  }

  @AfterAll
  static void stop() {
    clients.shutdownNow();
    cluster.close();
  }

  static int api(String yaml) {
    int port = cluster.api(apiNode, apiConfig(yaml)).port();
    eventually("models on " + port,
        () -> GatewayClusterTest.modelIds(port).containsAll(List.of(LOCAL, HELD)));
    return port;
  }

  static <T> CompletableFuture<T> async(Supplier<T> call) {
    return CompletableFuture.supplyAsync(call, clients);
  }

  /** Waits until {@code n} more generations of the held model are in progress. */
  static void heldRunning(int n) {
    for (int i = 0; i < n; i++) {
      TestCluster.await(held.next());
    }
  }

  static String userMessage(JsonArray content) {
    return new JsonObject().put("model", LOCAL)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content))).encode();
  }

  @Nested
  @DisplayName("inputs too large")
  class Inputs {

    @Test
    @DisplayName("a 20M-character prompt gets 400 invalid_value naming messages; 32,000 characters pass")
    void longPrompt() {
      int port = api("");
      Http.Response huge = chat(port, chatBody(LOCAL, "a".repeat(20_000_000), false));
      assertError(huge, 400, "invalid_request_error", "invalid_value", "messages");
      assertTrue(huge.error().getString("message").contains("20000000 characters, at most 32000"), huge.body());
      // text parts count together (joined by newlines)
      JsonArray parts = new JsonArray();
      for (int i = 0; i < 3; i++) {
        parts.add(new JsonObject().put("type", "text").put("text", "b".repeat(11_000)));
      }
      assertError(chat(port, userMessage(parts)), 400, "invalid_request_error", "invalid_value", "messages");
      assertEquals(200, chat(port, chatBody(LOCAL, "c".repeat(32_000), false)).status());
    }

    @Test
    @DisplayName("a body of more than 100,000 JSON values is refused before a tree is built")
    void manyValues() {
      int port = api("");
      StringBuilder body = new StringBuilder("{\"model\":\"" + LOCAL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"padding\":[");
      for (int i = 0; i < 150_000; i++) {
        body.append(i == 0 ? "{}" : ",{}");
      }
      Http.Response response = chat(port, body.append("]}").toString());
      assertError(response, 400, "invalid_request_error", "invalid_json", null);
      assertTrue(response.error().getString("message").contains("more than 100000 values"), response.body());
    }

    @Test
    @DisplayName("a 6300² 16-bit PNG (318 MB decoded) is refused from its header by the default 25 MP limit")
    void hugeImageByDefault() {
      int port = api("");
      String url = Fixtures.dataUrl("image/png", Fixtures.solidPng16(6300, Color.ORANGE));
      Http.Response response = chat(port, ImagesClusterTest.body(LOCAL, "edit", url));
      assertError(response, 400, "invalid_request_error", "image_too_large", "messages[0].content[1]");
      assertTrue(response.error().getString("message").contains("6300 × 6300 pixels, at most 25000000"), response.body());
    }
  }

  @Nested
  @DisplayName("more than a node takes")
  class Busy {

    @Test
    @DisplayName("past maxOpenStreams and maxOpenJobs: 429 node_busy with Retry-After; admitted again once they end")
    void limits() throws Exception {
      int port = api("limits: {maxOpenJobs: 3, maxOpenStreams: 1}");
      CompletableFuture<Http.Stream> stream = async(() -> Http.stream(port, chatBody(HELD, "first stream", true)));
      heldRunning(1);

      Http.Response secondStream = chat(port, chatBody(HELD, "second stream", true));
      assertError(secondStream, 429, "rate_limit_exceeded", "node_busy", null);
      assertTrue(secondStream.error().getString("message").contains("1 open streams"), secondStream.body());
      assertEquals("2", secondStream.header("Retry-After"));

      CompletableFuture<Http.Response> second = async(() -> chat(port, chatBody(HELD, "second", false)));
      CompletableFuture<Http.Response> third = async(() -> chat(port, chatBody(HELD, "third", false)));
      heldRunning(2);
      Http.Response fourth = chat(port, chatBody(LOCAL, "fourth", false));
      assertError(fourth, 429, "rate_limit_exceeded", "node_busy", null);
      assertTrue(fourth.error().getString("message").contains("3 open requests"), fourth.body());

      releaseHeld();
      assertEquals(200, second.get(10, TimeUnit.SECONDS).status());
      assertEquals(200, third.get(10, TimeUnit.SECONDS).status());
      List<String> frames = stream.get(10, TimeUnit.SECONDS).texts();
      assertEquals("data: [DONE]", frames.get(frames.size() - 1));
      assertEquals(200, chat(port, chatBody(LOCAL, "after", false)).status());
      assertEquals(200, chat(port, chatBody(LOCAL, "streams again", true)).status());
      String metrics = Http.get(port, "/metrics").body();
      assertTrue(metrics.contains("genbus_open_requests{kind=\"all\"}"), "the limits are exported");
      assertTrue(metrics.contains("genbus_image_conversion_slots"), "the conversion slots are exported");
    }

    @Test
    @DisplayName("a client that disconnects gives its place back at once")
    void disconnectFrees() throws Exception {
      int port = api("limits: {maxOpenStreams: 1}");
      byte[] body = chatBody(HELD, "left early", true).getBytes(StandardCharsets.UTF_8);
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket.setSoTimeout(15_000);
        socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
        heldRunning(1);
        assertError(chat(port, chatBody(LOCAL, "no room", true)), 429, "rate_limit_exceeded", "node_busy", null);
      } // the client goes away
      eventually(Duration.ofSeconds(10), "a stream admitted again",
          () -> chat(port, chatBody(LOCAL, "room again", true)).status() == 200);
    }
  }

  @Nested
  @DisplayName("slow clients")
  class Slow {

    @Test
    @DisplayName("slowloris: headers sent a byte at a time are cut off after idleTimeoutSeconds")
    void slowHeaders() throws Exception {
      int port = api("limits: {idleTimeoutSeconds: 1}");
      byte[] head = ("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(2000) + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII);
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket.setSoTimeout(60_000);
        AtomicInteger sent = new AtomicInteger();
        long start = System.nanoTime();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
          try {
            OutputStream out = socket.getOutputStream();
            for (byte b : head) {
              out.write(b);
              out.flush();
              sent.incrementAndGet();
              Thread.sleep(20); // the client's pace: 2,024 bytes take 40 s, far past the 1 s limit even on a stalled machine
            }
          } catch (IOException | InterruptedException e) {
            // the server closed the connection: what this test waits for
          }
        }, clients);
        assertClosedByServer(socket);
        long ms = (System.nanoTime() - start) / 1_000_000;
        writer.cancel(true);
        assertTrue(sent.get() < head.length, "the whole head went through (" + sent.get() + " bytes)");
        System.out.printf("slowloris connection closed by the server after %d ms, %d of %d header bytes sent%n",
            ms, sent.get(), head.length);
      }
    }

    @Test
    @DisplayName("a body that stops arriving gets 408 request_timeout after bodyTimeoutSeconds, and the connection closes")
    void slowBody() throws Exception {
      int port = api("limits: {bodyTimeoutSeconds: 1}");
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket.setSoTimeout(60_000);
        socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"model\":").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        String response = readUntilClosed(socket.getInputStream());
        assertTrue(response.startsWith("HTTP/1.1 408"), response);
        assertTrue(response.contains("\"code\":\"request_timeout\""), response);
      }
    }

    @Test
    @DisplayName("requests in flight are never cut: a stream with keep-alives and a waiting request outlive the idle timeout")
    void inFlightKept() throws Exception {
      int port = api("keepAliveSeconds: 1\nlimits: {idleTimeoutSeconds: 1}");
      try (Http.LiveStream stream = Http.open(port, chatBody(HELD, "long stream", true))) {
        CompletableFuture<Http.Response> waiting = async(() -> chat(port, chatBody(HELD, "long wait", false)));
        heldRunning(2);
        // An idle connection opened after both is closed by the server: they have now been open longer than
        // the idle timeout, and still are.
        try (Socket idle = new Socket("127.0.0.1", port)) {
          idle.setSoTimeout(60_000);
          assertClosedByServer(idle);
        }
        assertTrue(stream.next().text().startsWith("data: {"), "the role chunk");
        assertEquals(": keep-alive", stream.next().text(), "the stream goes on past the idle timeout");
        assertFalse(waiting.isDone());
        releaseHeld();
        assertEquals(200, waiting.get(60, TimeUnit.SECONDS).status());
        List<String> frames = stream.rest().texts();
        assertTrue(frames.stream().anyMatch(f -> f.contains("finish_reason\":\"stop")), frames.toString());
        assertEquals("data: [DONE]", frames.get(frames.size() - 1));
      }
    }
  }

  @Nested
  @DisplayName("safe defaults")
  class Defaults {

    @Test
    @DisplayName("no keys: bound to 127.0.0.1 even when api.host says 0.0.0.0; with keys, api.host is used")
    void loopbackWithoutKeys() throws IOException {
      ConfigLoader loader = new ConfigLoader(Map.of());
      int anonymous = cluster.api(apiNode, loader.apiFromText("host: 0.0.0.0")).port();
      assertEquals(200, Http.get(anonymous, "/health/live").status());
      assertThrows(ConnectException.class, () -> connect("127.0.0.2", anonymous),
          "reachable on another address than 127.0.0.1");

      int keyed = cluster.api(apiNode, loader.apiFromText("host: 0.0.0.0\nkeys: [sk-edge]")).port();
      assertTrue(connect("127.0.0.2", keyed), "with keys, api.host 0.0.0.0 is bound");
      assertEquals(401, Http.get(keyed, "/v1/models").status());
    }

    @Test
    @DisplayName("api.ops.port: /metrics moves to its own listener; health is served on both")
    void opsPort() {
      ApiVerticle verticle = cluster.api(apiNode, apiConfig("ops: {port: 0}"));
      int main = verticle.port();
      int ops = verticle.opsPort();
      assertTrue(ops > 0 && ops != main);
      assertEquals(404, Http.get(main, "/metrics").status());
      Http.Response metrics = Http.get(ops, "/metrics");
      assertEquals(200, metrics.status());
      assertTrue(metrics.body().contains("jvm_memory_used_bytes"), "Prometheus text");
      assertEquals(200, Http.get(ops, "/health/live").status());
      assertEquals(200, Http.get(main, "/health/live").status());
      assertEquals(404, Http.get(ops, "/v1/models").status(), "only operations endpoints on the ops port");
    }

    @Test
    @DisplayName("stored images: nosniff, only PNG/JPEG/WebP/GIF names, and at most api.images.maxStoredBytes")
    void storedImages() throws Exception {
      int port = api("images: {output: url}");
      String content = ImagesClusterTest.content(chat(port, chatBody(LOCAL, "a red circle", false)));
      Matcher m = Pattern.compile("/v1/images/([0-9a-f]{32})\\.png").matcher(content);
      assertTrue(m.find(), content);
      Http.Response image = Http.get(port, "/v1/images/" + m.group(1) + ".png");
      assertEquals(200, image.status());
      assertEquals("image/png", image.header("Content-Type"));
      assertEquals("nosniff", image.header("X-Content-Type-Options"));
      for (String ext : new String[] {"html", "svg", "bin", "txt"}) {
        assertError(Http.get(port, "/v1/images/" + m.group(1) + "." + ext), 404, "invalid_request_error",
            "image_not_found", null);
      }
      int small = api("images: {output: url, maxStoredBytes: 1024}");
      Http.Response tooLarge = chat(small, chatBody(LOCAL, "a big picture", false));
      assertError(tooLarge, 502, "api_error", "generation_failed", null);
      assertTrue(tooLarge.error().getString("message").contains("api.images.maxStoredBytes (1024)"), tooLarge.body());
    }
  }

  /** Reads until the server closes the connection (end of stream or reset); fails if it stays silent for its timeout. */
  static void assertClosedByServer(Socket socket) throws IOException {
    try {
      InputStream in = socket.getInputStream();
      while (in.read() >= 0) {
        // a response to a request the server never saw complete would be a bug; the assertions say so
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server kept the connection open");
    } catch (SocketException e) {
      // reset by the server: closed as well
    }
  }

  static String readUntilClosed(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      in.transferTo(out);
    } catch (SocketException e) {
      // reset after the response: what was read is the answer
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  static boolean connect(String host, int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 2000);
      return socket.isConnected();
    }
  }
}

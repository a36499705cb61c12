package io.genbus.api;

import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import io.genbus.testing.LoopbackCluster;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.vertx.core.Future;
import java.awt.Color;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The memory-amplification attack of issue 10 against a real API process with a small heap: 20 requests at
 * once, each a 0.3 MB solid-colour 16-bit RGBA PNG of 6300² that decodes to 318 MB — with {@code maxPixels}
 * raised to the old 40 MP so that they are decoded at all. The API node runs with {@code -Xmx256m} and
 * {@code -XX:+ExitOnOutOfMemoryError}: before its conversions were subsampled and gated, the first such
 * image alone exhausted that heap and the process died. The worker (an echo of the converted input) runs in
 * the test JVM.
 */
@DisplayName("an API process with a 256 MiB heap under a flood of 318 MB-when-decoded images")
class ImageFloodIT {

  static final String ECHO = "echo-images";
  static final int REQUESTS = 20;
  static final Pattern HEAP = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\",[^}]*} ([0-9.E+]+)");

  static TestCluster cluster;
  static Path dir;
  static Process api;
  static int port;
  static final ExecutorService clients = Executors.newCachedThreadPool();
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    cluster = new TestCluster();
    ClusterNode worker = cluster.worker(workerConfig("backends:\n  - {type: local, models: [" + ECHO + "], concurrency: 20}\n"),
        (vertx, backend) -> (request, cancellation) -> Future.succeededFuture(new GenerationResult(null,
            request.images().stream().map(i -> new GeneratedImage(i.mimeType(), i.data())).toList())));
    dir = Files.createTempDirectory("genbus-flood");
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Files.writeString(dir.resolve("api.yaml"), """
        api:
          host: 127.0.0.1
          port: %d
          images: {maxPixels: 40000000}
        """.formatted(port));
    api = new ProcessBuilder("java", "@" + System.getProperty("genbus.jvmFlags"), "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
        "-jar", System.getProperty("genbus.apiJar"), "--config", dir.resolve("api.yaml").toString(),
        "--cluster-name", cluster.name(),
        "--members", LoopbackCluster.address(worker)) // straight to the test's node, whatever else holds 5701–5703
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("api.log").toFile())
        .start();
    eventually(WorkerProcessesIT.JVM_START, "the API process lists " + ECHO, () -> {
      assertTrue(api.isAlive(), "the API process exited: " + log());
      try {
        return get("/v1/models").body().contains(ECHO);
      } catch (IOException e) {
        return false; // not listening yet
      }
    });
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.destroyForcibly();
    }
    clients.shutdownNow();
    cluster.close();
  }

  static String log() {
    try {
      return Files.readString(dir.resolve("api.log"));
    } catch (IOException e) {
      return "";
    }
  }

  static HttpResponse<String> get(String path) throws IOException {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).GET());
  }

  static HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  static double metric(String text, Pattern pattern) {
    double sum = 0;
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  @Test
  @DisplayName("20 at once: every one answered with a 2048² JPEG, /health/live answering throughout, the process alive")
  void flood() throws Exception {
    byte[] png = Fixtures.solidPng16(6300, new Color(200, 40, 120));
    String body = ImagesClusterTest.body(ECHO, "as is", Fixtures.dataUrl("image/png", png));
    long start = System.nanoTime();
    List<CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      requests.add(CompletableFuture.supplyAsync(() -> {
        try {
          return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
              .timeout(Duration.ofSeconds(300)).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body)));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }, clients));
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new));

    // While they are converted, one at a time: the node keeps answering its liveness probe.
    int probes = 0;
    long worstProbeMs = 0;
    double peakHeap = 0;
    int peakWaiting = 0;
    while (!all.isDone()) {
      long t = System.nanoTime();
      HttpResponse<String> live = get("/health/live");
      assertEquals(200, live.statusCode(), live.body());
      worstProbeMs = Math.max(worstProbeMs, (System.nanoTime() - t) / 1_000_000);
      probes++;
      String metrics = get("/metrics").body();
      peakHeap = Math.max(peakHeap, metric(metrics, HEAP));
      peakWaiting = Math.max(peakWaiting, (int) metric(metrics,
          Pattern.compile("genbus_image_conversions\\{state=\"waiting\"} ([0-9.E+]+)")));
      assertEquals(1.0, metric(metrics, Pattern.compile("genbus_image_conversion_slots ([0-9.E+]+)")),
          "a 256 MiB heap has room for one conversion at a time");
      Thread.sleep(200); // probe rate, not a wait for a condition
    }
    long totalMs = (System.nanoTime() - start) / 1_000_000;

    for (CompletableFuture<HttpResponse<String>> request : requests) {
      HttpResponse<String> response = request.get(1, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode(), response.body().substring(0, Math.min(300, response.body().length())));
      String content = ImagesClusterTest.content(new Http.Response(response.statusCode(), response.headers(), response.body()));
      List<ImagesClusterTest.Decoded> images = ImagesClusterTest.images(content);
      assertEquals(1, images.size());
      assertEquals(2048, images.get(0).image().getWidth());
      assertEquals(2048, images.get(0).image().getHeight());
    }
    assertTrue(api.isAlive(), "the API process died: " + log());
    assertFalse(log().contains("OutOfMemoryError"), log());
    assertTrue(probes > 0);
    System.out.printf("image flood: %d requests of a %d-byte 6300² 16-bit PNG in %d ms; %d liveness probes, worst %d ms;"
        + " peak heap sampled %.0f MiB of 256; up to %d conversions waiting%n",
        REQUESTS, png.length, totalMs, probes, worstProbeMs, peakHeap / 1024 / 1024, peakWaiting);
  }
}

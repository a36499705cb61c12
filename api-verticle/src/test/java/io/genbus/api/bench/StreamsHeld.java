package io.genbus.api.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.parsetools.RecordParser;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens N concurrent streaming requests against one API node (queued behind slow workers) and reports how
 * many finished, how late the keep-alives came (the worst gap beyond keepAliveSeconds, from the moment a
 * stream opened until its content), and the API node's heap (from its /metrics, sampled every second).
 * {@code java ... StreamsHeld PORT STREAMS KEEPALIVE_SECONDS TIMEOUT_SECONDS}.
 */
public final class StreamsHeld {

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int streams = Integer.parseInt(args[1]);
    long keepAliveMs = Long.parseLong(args[2]) * 1000;
    long timeoutS = Long.parseLong(args[3]);
    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
        new PoolOptions().setHttp1MaxSize(streams));
    Buffer body = Buffer.buffer("{\"model\":\"local-image\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"held\"}]}");
    CountDownLatch ended = new CountDownLatch(streams);
    AtomicInteger finished = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicLong worstLateMs = new AtomicLong();
    AtomicInteger keepAlives = new AtomicInteger();
    java.util.List<Long> lateness = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    long start = System.nanoTime();
    for (int i = 0; i < streams; i++) {
      client.request(HttpMethod.POST, "/v1/chat/completions")
          .compose(req -> req.putHeader("Content-Type", "application/json").send(body))
          .onSuccess(resp -> {
            long[] last = {System.nanoTime()};
            boolean[] content = {false};
            resp.handler(RecordParser.newDelimited("\n", line -> {
              String text = line.toString();
              long now = System.nanoTime();
              if (text.startsWith(": keep-alive") && !content[0]) {
                keepAlives.incrementAndGet();
                long late = (now - last[0]) / 1_000_000 - keepAliveMs;
                worstLateMs.accumulateAndGet(late, Math::max);
                lateness.add(Math.max(0, late));
                last[0] = now;
              } else if (text.contains("finish_reason\":\"stop")) {
                content[0] = true;
              } else if (text.equals("data: [DONE]")) {
                finished.incrementAndGet();
              }
            }));
            resp.endHandler(v -> ended.countDown());
            resp.exceptionHandler(e -> {
              failed.incrementAndGet();
              ended.countDown();
            });
          })
          .onFailure(e -> {
            failed.incrementAndGet();
            ended.countDown();
          });
    }
    java.net.http.HttpClient metrics = java.net.http.HttpClient.newHttpClient();
    long peakHeap = 0;
    while (!ended.await(1, TimeUnit.SECONDS) && (System.nanoTime() - start) / 1_000_000_000 < timeoutS) {
      peakHeap = Math.max(peakHeap, heap(metrics, port));
    }
    peakHeap = Math.max(peakHeap, heap(metrics, port));
    double seconds = (System.nanoTime() - start) / 1e9;
    long[] sorted = lateness.stream().mapToLong(Long::longValue).sorted().toArray();
    long p50 = sorted.length == 0 ? 0 : sorted[sorted.length / 2];
    long p99 = sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.round(sorted.length * 0.99))];
    long within = java.util.Arrays.stream(sorted).filter(v -> v <= 1000).count();
    System.out.printf("streams=%d finished=%d failed=%d seconds=%.1f keepalives=%d late_p50_ms=%d late_p99_ms=%d"
            + " worst_late_ms=%d within_1s_pct=%.2f peak_heap_mib=%d%n",
        streams, finished.get(), failed.get(), seconds, keepAlives.get(), p50, p99, worstLateMs.get(),
        sorted.length == 0 ? 100.0 : 100.0 * within / sorted.length, peakHeap / 1048576);
    vertx.close();
    System.exit(0);
  }

  /** The API node's used heap, summed over its heap pools, from its Prometheus metrics. */
  private static long heap(java.net.http.HttpClient client, int port) {
    try {
      String text = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      return (long) text.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\""))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    } catch (Exception e) {
      return 0;
    }
  }
}

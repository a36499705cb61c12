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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opens N concurrent streaming requests against one API node (queued behind slow workers) and reports how
 * many finished, how late the keep-alives came (the gap beyond keepAliveSeconds between two keep-alives of
 * a stream, from the moment it opened until its content), and the API node's heap (from its /metrics,
 * sampled every second). A warm-up round of WARMUP streams goes first and is not counted: a node that has
 * just started spends most of its CPU in the JIT compiler, which on a small machine delays everything.
 * {@code java ... StreamsHeld PORT STREAMS KEEPALIVE_SECONDS TIMEOUT_SECONDS [WARMUP]}.
 */
public final class StreamsHeld {

  private static final Buffer BODY =
      Buffer.buffer("{\"model\":\"local-image\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"held\"}]}");

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int streams = Integer.parseInt(args[1]);
    long keepAliveMs = Long.parseLong(args[2]) * 1000;
    long timeoutS = Long.parseLong(args[3]);
    int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 0;
    Vertx vertx = Vertx.vertx();
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
        new PoolOptions().setHttp1MaxSize(Math.max(streams, warmup)));
    java.net.http.HttpClient metrics = java.net.http.HttpClient.newHttpClient();
    if (warmup > 0) {
      Round w = new Round(warmup, keepAliveMs);
      w.run(client, metrics, port, timeoutS);
      System.err.printf("warm-up: %d streams, %d finished in %.1f s%n", warmup, w.finished.get(), w.seconds);
    }
    Round r = new Round(streams, keepAliveMs);
    r.run(client, metrics, port, timeoutS);
    long[] sorted = r.lateness.stream().mapToLong(Long::longValue).sorted().toArray();
    long p50 = sorted.length == 0 ? 0 : sorted[sorted.length / 2];
    long p99 = sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.round(sorted.length * 0.99))];
    long within = Arrays.stream(sorted).filter(v -> v <= 1000).count();
    System.out.printf("streams=%d finished=%d failed=%d seconds=%.1f opened_s=%.1f keepalives=%d late_p50_ms=%d"
            + " late_p99_ms=%d worst_late_ms=%d within_1s_pct=%.2f peak_heap_mib=%d%n",
        streams, r.finished.get(), r.failed.get(), r.seconds, r.lastOpened.get() / 1e9, r.keepAlives.get(), p50, p99,
        r.worstLateMs.get(), sorted.length == 0 ? 100.0 : 100.0 * within / sorted.length, r.peakHeap / 1048576);
    StringBuilder late = new StringBuilder();
    for (int i = 0; i < r.lateBySecond.length(); i++) {
      if (r.lateBySecond.get(i) > 0) {
        late.append(late.length() == 0 ? "" : ",").append(i).append(':').append(r.lateBySecond.get(i));
      }
    }
    System.err.println("keep-alives over 1 s late, by second of the run: " + (late.length() == 0 ? "none" : late));
    vertx.close();
    System.exit(0);
  }

  /** One batch of streams opened at once, followed until each ends. */
  private static final class Round {
    final int streams;
    final long keepAliveMs;
    final CountDownLatch ended;
    final AtomicInteger finished = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger keepAlives = new AtomicInteger();
    final AtomicLong worstLateMs = new AtomicLong();
    final AtomicLong lastOpened = new AtomicLong();
    final AtomicIntegerArray lateBySecond = new AtomicIntegerArray(600);
    final List<Long> lateness = Collections.synchronizedList(new ArrayList<>());
    long peakHeap;
    double seconds;

    Round(int streams, long keepAliveMs) {
      this.streams = streams;
      this.keepAliveMs = keepAliveMs;
      this.ended = new CountDownLatch(streams);
    }

    void run(HttpClient client, java.net.http.HttpClient metrics, int port, long timeoutS) throws InterruptedException {
      long start = System.nanoTime();
      for (int i = 0; i < streams; i++) {
        client.request(HttpMethod.POST, "/v1/chat/completions")
            .compose(req -> req.putHeader("Content-Type", "application/json").send(BODY))
            .onSuccess(resp -> follow(resp, start))
            .onFailure(e -> {
              failed.incrementAndGet();
              ended.countDown();
            });
      }
      while (!ended.await(1, TimeUnit.SECONDS) && (System.nanoTime() - start) / 1_000_000_000 < timeoutS) {
        peakHeap = Math.max(peakHeap, heap(metrics, port));
      }
      peakHeap = Math.max(peakHeap, heap(metrics, port));
      seconds = (System.nanoTime() - start) / 1e9;
    }

    private void follow(io.vertx.core.http.HttpClientResponse resp, long start) {
      long[] last = {System.nanoTime()};
      lastOpened.accumulateAndGet(last[0] - start, Math::max);
      boolean[] content = {false};
      resp.handler(RecordParser.newDelimited("\n", line -> {
        String text = line.toString();
        long now = System.nanoTime();
        if (text.startsWith(": keep-alive") && !content[0]) {
          keepAlives.incrementAndGet();
          long late = (now - last[0]) / 1_000_000 - keepAliveMs;
          worstLateMs.accumulateAndGet(late, Math::max);
          lateness.add(Math.max(0, late));
          if (late > 1000) {
            lateBySecond.incrementAndGet((int) Math.min(lateBySecond.length() - 1, (now - start) / 1_000_000_000L));
          }
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
    }
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

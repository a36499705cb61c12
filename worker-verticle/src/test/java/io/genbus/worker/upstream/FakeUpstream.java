package io.genbus.worker.upstream;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A fake upstream API on loopback: answers each call with the next scripted response and records exactly
 * what it received (method, path, headers, body; multipart form fields and files decoded).
 */
public final class FakeUpstream implements AutoCloseable {

  /** One request as the fake received it. */
  public record Received(String method, String path, MultiMap headers, Buffer body, MultiMap form,
                         Map<String, List<Buffer>> files, Map<String, String> fileTypes) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** One scripted answer; {@code delayMs} &lt; 0 never answers. */
  public record Reply(int status, String body, long delayMs, Map<String, String> headers) {
    public static Reply json(int status, String body) {
      return new Reply(status, body, 0, Map.of("Content-Type", "application/json"));
    }

    public static Reply bytes(String contentType, String base64) {
      return new Reply(200, base64, 0, Map.of("Content-Type", contentType, "X-Base64", "1"));
    }

    public static Reply never() {
      return new Reply(200, "", -1, Map.of());
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final Deque<Reply> replies = new ArrayDeque<>();
  private final Map<String, Reply> fixed = new HashMap<>();
  public final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<Arrivals> awaited = new ArrayList<>();
  private Promise<Void> held;

  private record Arrivals(int count, Promise<Void> promise) {
  }

  public FakeUpstream() throws Exception {
    server = vertx.createHttpServer().requestHandler(this::handle);
    server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  public int port() {
    return server.actualPort();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** Queues answers, used in order by the next calls. */
  public synchronized FakeUpstream then(Reply... next) {
    replies.addAll(List.of(next));
    return this;
  }

  /** Completes once {@code count} requests have arrived (and are in {@link #received}): what a test waits on. */
  public synchronized Future<Void> arrived(int count) {
    if (received.size() >= count) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    awaited.add(new Arrivals(count, promise));
    return promise.future();
  }

  /**
   * From now on every answer waits until {@link #release()}: a call stays in flight for as long as the test
   * needs (the request is recorded, and {@link #arrived} told, at once).
   */
  public synchronized FakeUpstream hold() {
    if (held == null) {
      held = Promise.promise();
    }
    return this;
  }

  /** Sends the answers held so far; later calls are answered at once again. */
  public void release() {
    Promise<Void> release;
    synchronized (this) {
      release = held;
      held = null;
    }
    if (release != null) {
      release.complete();
    }
  }

  /** Always answers {@code path} with {@code reply} (e.g. a file to download). */
  public synchronized FakeUpstream serve(String path, Reply reply) {
    fixed.put(path, reply);
    return this;
  }

  private void handle(HttpServerRequest request) {
    boolean multipart = String.valueOf(request.getHeader("Content-Type")).startsWith("multipart/");
    Map<String, List<Buffer>> files = new HashMap<>();
    Map<String, String> fileTypes = new HashMap<>();
    Buffer body = Buffer.buffer();
    if (multipart) {
      request.setExpectMultipart(true);
      request.uploadHandler(upload -> {
        Buffer content = Buffer.buffer();
        upload.handler(content::appendBuffer);
        upload.endHandler(v -> {
          files.computeIfAbsent(upload.name(), k -> new CopyOnWriteArrayList<>()).add(content);
          fileTypes.put(upload.name() + "/" + upload.filename(), upload.contentType());
        });
      });
    } else {
      request.handler(body::appendBuffer);
    }
    request.endHandler(v -> {
      received.add(new Received(request.method().name(), request.path(), MultiMap.caseInsensitiveMultiMap().addAll(request.headers()),
          body, multipart ? MultiMap.caseInsensitiveMultiMap().addAll(request.formAttributes()) : null, files, fileTypes));
      Reply reply;
      Promise<Void> wait;
      List<Arrivals> reached = new ArrayList<>();
      synchronized (this) {
        reply = fixed.containsKey(request.path()) ? fixed.get(request.path()) : replies.poll();
        wait = held;
        awaited.removeIf(a -> a.count() <= received.size() && reached.add(a));
      }
      reached.forEach(a -> a.promise().complete());
      if (wait == null) {
        answer(request, reply);
      } else {
        Context context = Vertx.currentContext(); // answered on the request's own context, whoever releases it
        wait.future().onComplete(released -> context.runOnContext(x -> answer(request, reply)));
      }
    });
  }

  private void answer(HttpServerRequest request, Reply reply) {
    if (reply == null) {
      request.response().setStatusCode(500).end("{\"error\":{\"message\":\"no scripted reply\"}}");
    } else if (reply.delayMs() < 0) {
      // never answer: the client's timeout must fire
    } else if (reply.delayMs() > 0) {
      vertx.setTimer(reply.delayMs(), id -> send(request, reply));
    } else {
      send(request, reply);
    }
  }

  private static void send(HttpServerRequest request, Reply reply) {
    reply.headers().forEach((k, v) -> {
      if (!k.equals("X-Base64")) {
        request.response().putHeader(k, v);
      }
    });
    Buffer out = reply.headers().containsKey("X-Base64")
        ? Buffer.buffer(java.util.Base64.getDecoder().decode(reply.body())) : Buffer.buffer(reply.body());
    request.response().setStatusCode(reply.status()).end(out);
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}

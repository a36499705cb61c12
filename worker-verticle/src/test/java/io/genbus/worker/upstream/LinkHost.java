package io.genbus.worker.upstream;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A web server on a loopback address that image links point to: each path answers as the test says (an
 * image, a secret, a slow drip, a lying Content-Length, a redirect); it records every request it got and
 * tells when a connection of its was closed, so a test can show a download was never made or was cut off.
 */
public final class LinkHost implements AutoCloseable {

  /** A request as this host received it. */
  public record Seen(String path, String hostHeader) {
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final String host;
  private final Map<String, Handler<HttpServerRequest>> routes = new ConcurrentHashMap<>();
  public final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> requested = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  public LinkHost(String host) throws Exception {
    this.host = host;
    server = vertx.createHttpServer()
        .connectionHandler(conn -> conn.closeHandler(v -> closed.complete(null)))
        .requestHandler(request -> {
          seen.add(new Seen(request.path(), request.getHeader("Host")));
          requested.complete(null);
          routes.getOrDefault(request.path(), r -> r.response().setStatusCode(404).end()).handle(request);
        });
    server.listen(0, host).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  public int port() {
    return server.actualPort();
  }

  public String url(String path) {
    return "http://" + host + ":" + port() + path;
  }

  public LinkHost route(String path, Handler<HttpServerRequest> handler) {
    routes.put(path, handler);
    return this;
  }

  /** Completes when the first request arrives. */
  public CompletableFuture<Void> requested() {
    return requested;
  }

  /** Completes when a connection to this host is closed (by the client, as a download is cut off). */
  public CompletableFuture<Void> connectionClosed() {
    return closed;
  }

  public static Handler<HttpServerRequest> bytes(String contentType, byte[] body) {
    return r -> r.response().putHeader("Content-Type", contentType).end(Buffer.buffer(body));
  }

  public static Handler<HttpServerRequest> redirect(String location) {
    return r -> r.response().setStatusCode(302).putHeader("Location", location).end();
  }

  /** A PNG header, then one byte every 100 ms, for ever. */
  public Handler<HttpServerRequest> drip() {
    return r -> {
      r.response().setChunked(true).putHeader("Content-Type", "image/png");
      r.response().write(Buffer.buffer(new byte[] {(byte) 0x89, 'P', 'N', 'G'}));
      long timer = vertx.setPeriodic(100, id -> r.response().write(Buffer.buffer(new byte[] {0})));
      r.response().closeHandler(v -> vertx.cancelTimer(timer));
    };
  }

  /** Claims 10 GB, sends a few bytes and then nothing. */
  public static Handler<HttpServerRequest> tenGigabytes() {
    return r -> r.response().putHeader("Content-Type", "image/png").putHeader("Content-Length", "10737418240")
        .write(Buffer.buffer(new byte[] {(byte) 0x89, 'P', 'N', 'G'}));
  }

  /** No Content-Length: 64 KiB chunks, as fast as they go, for ever. */
  public Handler<HttpServerRequest> endless() {
    return r -> {
      r.response().setChunked(true).putHeader("Content-Type", "image/png");
      Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
      Handler<Void>[] pump = new Handler[1];
      pump[0] = v -> {
        while (!r.response().writeQueueFull() && !r.response().closed()) {
          r.response().write(chunk);
        }
        if (!r.response().closed()) {
          r.response().drainHandler(pump[0]);
        }
      };
      pump[0].handle(null);
    };
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

package io.genbus.api.limits;

import io.genbus.api.errors.ApiException;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;

/**
 * Deadlines against slow clients (slowloris). A connection with no request in flight — idle between
 * requests, or still sending a request's headers — is closed {@code idleMs} after it opened or after its
 * last response ended. A request's body must have arrived {@code bodyMs} after its headers; if not, it gets
 * 408 request_timeout and the connection is closed. A request being answered is never cut, however long it
 * takes: a stream sending keep-alives, a job waiting for a slot.
 *
 * <p>Both parts are needed: {@link #connected} for every connection (the server's connection handler), and
 * {@link #handle} as the router's first handler. Confined to the server's event loop.
 */
public final class ConnectionGuard implements Handler<RoutingContext> {

  private final Vertx vertx;
  private final long idleMs;
  private final long bodyMs;
  private final ErrorResponses errors;
  private final Map<HttpConnection, Watch> watches = new HashMap<>();

  public ConnectionGuard(Vertx vertx, long idleMs, long bodyMs, ErrorResponses errors) {
    this.vertx = vertx;
    this.idleMs = idleMs;
    this.bodyMs = bodyMs;
    this.errors = errors;
  }

  /** A connection opened: its first request's headers must arrive in time. */
  public void connected(HttpConnection connection) {
    Watch watch = new Watch(connection);
    watches.put(connection, watch);
    connection.closeHandler(v -> {
      watch.cancel();
      watches.remove(connection);
    });
    watch.idle();
  }

  /** The router's first handler: a request is in flight from its headers until its response ends. */
  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    Watch watch = watches.get(request.connection());
    if (watch != null) {
      watch.requests++;
      watch.cancel();
      ctx.addEndHandler(ar -> watch.ended());
    }
    if (!request.isEnded()) {
      long timer = vertx.setTimer(bodyMs, id -> bodyTooSlow(ctx));
      request.end().onComplete(ar -> vertx.cancelTimer(timer));
      ctx.addEndHandler(ar -> vertx.cancelTimer(timer));
    }
    ctx.next();
  }

  /** Connections watched now (for tests and metrics). */
  public int watched() {
    return watches.size();
  }

  private void bodyTooSlow(RoutingContext ctx) {
    HttpConnection connection = ctx.request().connection();
    errors.send(ctx, new ApiException(ErrorCode.REQUEST_TIMEOUT, null, bodyMs / 1000));
    connection.close();
  }

  private final class Watch {
    private final HttpConnection connection;
    private int requests;
    private long timer = -1;

    Watch(HttpConnection connection) {
      this.connection = connection;
    }

    void idle() {
      timer = vertx.setTimer(idleMs, id -> {
        timer = -1;
        connection.close();
      });
    }

    void ended() {
      if (--requests == 0 && watches.get(connection) == this) {
        cancel();
        idle();
      }
    }

    void cancel() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }
}

package io.genbus.api.limits;

import io.genbus.api.errors.ApiException;
import io.genbus.config.ApiConfig;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Before a body is read: admits the request into the node's {@link NodeLimits}, holding twice its declared
 * length (a body of unknown length counts as {@code api.maxBodyBytes}), or refuses it with 429 node_busy —
 * then the connection closes, rather than read a body that will not be used. The ticket is given back when
 * the response ends; handlers after this one reach it with {@link #of}.
 */
public final class RequestTicket implements Handler<RoutingContext> {

  private static final String KEY = "genbus.limits.ticket";

  private final ApiConfig config;
  private final NodeLimits limits;

  public RequestTicket(ApiConfig config, NodeLimits limits) {
    this.config = config;
    this.limits = limits;
  }

  /** The request's ticket, taken by this handler before it. */
  public static NodeLimits.Ticket of(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  @Override
  public void handle(RoutingContext ctx) {
    long declared;
    try {
      String length = ctx.request().getHeader("Content-Length");
      declared = length == null ? config.maxBodyBytes() : Math.min(Long.parseLong(length.trim()), config.maxBodyBytes());
    } catch (NumberFormatException e) {
      declared = config.maxBodyBytes();
    }
    NodeLimits.Ticket ticket;
    try {
      ticket = limits.open(2 * Math.max(0, declared));
    } catch (ApiException busy) {
      ctx.response().putHeader("Connection", "close");
      ctx.fail(busy);
      return;
    }
    ctx.put(KEY, ticket);
    ctx.addEndHandler(ar -> ticket.close());
    ctx.next();
  }
}

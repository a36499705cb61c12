package io.genbus.api.auth;

import io.vertx.ext.web.RoutingContext;

/**
 * Who sent a request, as the key it presented says: its tenant, the key's id (the first 16 hex digits of
 * the key's SHA-256 — stable, never the key itself) and whether it is an admin key. Put on the routing
 * context by the auth handler.
 */
public record Caller(String tenant, String keyId, boolean admin) {

  public static final String KEY = "genbus.caller";
  /** The caller of a genbus without keys: one unlimited tenant, and everyone is it. */
  public static final Caller ANONYMOUS = new Caller("default", "anonymous", false);

  /** The caller of a request the auth handler let through ({@link #ANONYMOUS} before it). */
  public static Caller of(RoutingContext ctx) {
    Caller caller = ctx.get(KEY);
    return caller == null ? ANONYMOUS : caller;
  }
}

package io.genbus.api.auth;

import io.genbus.api.errors.ApiException;
import io.genbus.api.tenants.TenantRegistry;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Checks {@code Authorization: Bearer <key>} and puts the {@link Caller} it names on the routing context:
 * a tenant's key, an admin key, or 401. With no keys configured at all every request is the tenant
 * {@code default}.
 */
public final class KeyAuth implements Handler<RoutingContext> {

  private static final String BEARER = "bearer ";
  private final TenantRegistry registry;

  public KeyAuth(TenantRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Caller caller;
    try {
      caller = caller(bearer(ctx.request().getHeader("Authorization")));
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    ctx.put(Caller.KEY, caller);
    ctx.next();
  }

  /**
   * The caller a presented key (null: none) stands for, or 401 {@code invalid_api_key}; with no keys configured
   * at all, everyone is {@link Caller#ANONYMOUS}. HTTP and the event bus check keys here.
   */
  public Caller caller(String key) {
    if (registry.open()) {
      return Caller.ANONYMOUS;
    }
    Caller caller = key == null ? null : registry.resolve(key);
    if (caller == null) {
      throw new ApiException(ErrorCode.INVALID_API_KEY, null);
    }
    return caller;
  }

  /** The key of an Authorization header, or null when there is none. */
  public static String bearer(String header) {
    if (header == null || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    String key = header.substring(BEARER.length()).trim();
    return key.isEmpty() ? null : key;
  }
}

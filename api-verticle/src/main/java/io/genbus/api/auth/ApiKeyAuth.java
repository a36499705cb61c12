package io.genbus.api.auth;

import io.genbus.api.errors.ApiException;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Checks {@code Authorization: Bearer <key>} against the configured keys. Keys are compared as SHA-256
 * digests with {@link MessageDigest#isEqual}, against every key, so the time taken says nothing about how
 * close a guess was. With no keys configured every request passes.
 *
 * <p>It also names the caller, for everything a caller owns (durable jobs, idempotency keys): the
 * {@link #CALLER_ID} of the routing context is the first 16 hex digits of the key's SHA-256 — stable, and
 * never the key itself — or {@code anonymous} when no keys are configured.
 */
public final class ApiKeyAuth implements Handler<RoutingContext> {

  public static final String CALLER_ID = "callerId";
  static final String ANONYMOUS = "anonymous";
  private static final String BEARER = "bearer ";
  private final List<byte[]> keyDigests;

  public ApiKeyAuth(List<String> keys) {
    this.keyDigests = keys.stream().map(ApiKeyAuth::sha256).toList();
  }

  public boolean open() {
    return keyDigests.isEmpty();
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (open()) {
      ctx.put(CALLER_ID, ANONYMOUS);
      ctx.next();
      return;
    }
    byte[] presented = presented(ctx.request().getHeader("Authorization"));
    if (presented != null && accepts(presented)) {
      ctx.put(CALLER_ID, HexFormat.of().formatHex(presented, 0, 8));
      ctx.next();
    } else {
      ctx.fail(new ApiException(ErrorCode.INVALID_API_KEY, null));
    }
  }

  /** The caller of a request this handler let through. */
  public static String callerOf(RoutingContext ctx) {
    String caller = ctx.get(CALLER_ID);
    return caller == null ? ANONYMOUS : caller;
  }

  boolean accepts(String header) {
    byte[] presented = presented(header);
    return presented != null && accepts(presented);
  }

  /** The SHA-256 of the bearer key of an Authorization header, or null when there is none. */
  private static byte[] presented(String header) {
    if (header == null || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    return sha256(header.substring(BEARER.length()).trim());
  }

  private boolean accepts(byte[] presented) {
    boolean match = false;
    for (byte[] key : keyDigests) {
      match |= MessageDigest.isEqual(presented, key);
    }
    return match;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

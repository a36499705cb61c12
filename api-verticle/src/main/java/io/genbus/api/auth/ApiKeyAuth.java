package io.genbus.api.auth;

import io.genbus.api.errors.ApiException;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Checks {@code Authorization: Bearer <key>} against the configured keys. Keys are compared as SHA-256
 * digests with {@link MessageDigest#isEqual}, against every key, so the time taken says nothing about how
 * close a guess was. With no keys configured every request passes.
 */
public final class ApiKeyAuth implements Handler<RoutingContext> {

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
    if (open() || accepts(ctx.request().getHeader("Authorization"))) {
      ctx.next();
    } else {
      ctx.fail(new ApiException(ErrorCode.INVALID_API_KEY, null));
    }
  }

  boolean accepts(String header) {
    if (header == null || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return false;
    }
    byte[] presented = sha256(header.substring(BEARER.length()).trim());
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

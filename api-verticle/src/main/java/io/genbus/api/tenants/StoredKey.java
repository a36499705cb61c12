package io.genbus.api.tenants;

import java.time.Instant;

/**
 * A key of a runtime tenant, as listed: never the key, nor its hash. {@code keyId} is the first 16 hex digits of
 * the key's SHA-256 (as {@code Caller.keyId()}); {@code revokedAt} is null while the key is valid.
 */
public record StoredKey(String keyId, String tenant, Instant createdAt, Instant revokedAt) {

  public boolean revoked() {
    return revokedAt != null;
  }
}

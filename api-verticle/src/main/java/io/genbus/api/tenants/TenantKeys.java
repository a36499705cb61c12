package io.genbus.api.tenants;

import java.util.List;

/** A runtime tenant with the SHA-256 digests of its valid (not revoked) keys, for the registry of every API node. */
public record TenantKeys(StoredTenant tenant, List<KeyHash> keys) {

  public TenantKeys {
    keys = List.copyOf(keys);
  }

  /** One valid key: its id and the SHA-256 of the key. */
  public record KeyHash(String keyId, byte[] sha256) {

    public KeyHash {
      sha256 = sha256.clone();
    }

    @Override
    public byte[] sha256() {
      return sha256.clone();
    }
  }
}

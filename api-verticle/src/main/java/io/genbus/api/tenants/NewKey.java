package io.genbus.api.tenants;

/** A key just created: {@code key} is the plain key, shown this once and stored nowhere (only its SHA-256 is). */
public record NewKey(String key, StoredKey stored) {

  /** Never the key. */
  @Override
  public String toString() {
    return "NewKey[" + stored + "]";
  }
}

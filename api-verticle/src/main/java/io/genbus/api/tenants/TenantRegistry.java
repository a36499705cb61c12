package io.genbus.api.tenants;

import io.genbus.api.auth.Caller;
import io.genbus.config.ApiConfig;
import io.genbus.config.TenantConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every key this node accepts and whose it is: the tenants of the config file ({@code api.keys} are the
 * tenant {@code default}), the admin keys, and the tenants and keys created at runtime (stored in
 * PostgreSQL, swapped in whole by {@link #replaceStored} when any API node changes them). Keys are held only
 * as SHA-256 digests and looked up by digest: the time a lookup takes depends on the digest of what was
 * presented, which tells a guesser nothing about any real key. Read by every HTTP loop: the state is one
 * immutable snapshot behind a volatile field.
 */
public final class TenantRegistry {

  /** Name of the tenant of admin keys (reserved). */
  public static final String ADMIN = "admin";

  private record Holder(Tenant tenant, boolean admin) {
  }

  private record Snapshot(Map<String, Holder> byDigest, Map<String, Tenant> byName) {
  }

  private final Map<String, Holder> configured = new HashMap<>();
  private final Map<String, Tenant> configuredByName = new HashMap<>();
  private final boolean open;
  private volatile Snapshot snapshot;

  public TenantRegistry(ApiConfig config) {
    Tenant admin = Tenant.unlimited(ADMIN, true);
    configuredByName.put(ADMIN, admin);
    if (!config.keys().isEmpty()) {
      Tenant fallback = Tenant.unlimited(ApiConfig.DEFAULT_TENANT, true);
      configuredByName.put(fallback.name(), fallback);
      config.keys().forEach(key -> configured.put(digestOf(key), new Holder(fallback, false)));
    }
    for (TenantConfig c : config.tenants()) {
      Tenant tenant = Tenant.of(c);
      configuredByName.put(tenant.name(), tenant);
      c.keys().forEach(key -> configured.put(digestOf(key), new Holder(tenant, false)));
    }
    config.adminKeys().forEach(key -> configured.put(digestOf(key), new Holder(admin, true)));
    this.open = !config.authenticated();
    snapshot = new Snapshot(Map.copyOf(configured), Map.copyOf(configuredByName));
  }

  /** No keys of any kind configured: every request is the tenant {@code default}. */
  public boolean open() {
    return open;
  }

  /** The caller behind a bearer key, or null when no tenant has it. */
  public Caller resolve(String key) {
    String digest = hex(sha256(key));
    Holder holder = snapshot.byDigest().get(digest);
    return holder == null ? null : new Caller(holder.tenant().name(), digest.substring(0, 16), holder.admin());
  }

  /** The tenant named {@code name}; an unknown name (a tenant deleted meanwhile) is an unlimited one. */
  public Tenant tenant(String name) {
    Tenant tenant = snapshot.byName().get(name);
    return tenant != null ? tenant : Tenant.unlimited(name, false);
  }

  /** Whether a tenant of this name exists (config or runtime). */
  public boolean exists(String name) {
    return snapshot.byName().containsKey(name);
  }

  /** Whether {@code name} is declared in the config file (read-only). */
  public boolean configured(String name) {
    return configuredByName.containsKey(name);
  }

  public Collection<Tenant> all() {
    return snapshot.byName().values();
  }

  /** The weight of a tenant in fair share ({@code priority}). */
  public int weight(String name) {
    Tenant tenant = snapshot.byName().get(name);
    return tenant == null ? 1 : tenant.priority();
  }

  /**
   * Runtime tenants and their live keys (SHA-256 digests), replacing the previous ones; config tenants
   * win over a stored tenant of the same name.
   */
  public void replaceStored(List<Tenant> tenants, Map<String, List<byte[]>> digestsByTenant) {
    Map<String, Holder> byDigest = new HashMap<>();
    Map<String, Tenant> byName = new HashMap<>();
    for (Tenant tenant : tenants) {
      if (configuredByName.containsKey(tenant.name())) {
        continue;
      }
      byName.put(tenant.name(), tenant);
      for (byte[] digest : digestsByTenant.getOrDefault(tenant.name(), List.of())) {
        byDigest.put(hex(digest), new Holder(tenant, false));
      }
    }
    byDigest.putAll(configured);
    byName.putAll(configuredByName);
    snapshot = new Snapshot(Map.copyOf(byDigest), Map.copyOf(byName));
  }

  /** The digest a key is looked up by: its SHA-256, or the digest given as {@code sha256:<hex>}. */
  static String digestOf(String configuredKey) {
    return configuredKey.startsWith(TenantConfig.HASH_PREFIX)
        ? configuredKey.substring(TenantConfig.HASH_PREFIX.length()).toLowerCase(Locale.ROOT)
        : hex(sha256(configuredKey));
  }

  public static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}

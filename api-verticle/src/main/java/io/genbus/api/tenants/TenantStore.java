package io.genbus.api.tenants;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runtime tenants and their keys in PostgreSQL (tables {@code tenants} and {@code tenant_keys}, migration V2), for
 * the admin API: every method returns a {@link Future} and never blocks. A key is stored only as its SHA-256; the
 * plain key ({@code sk-gb-} and 32 random URL-safe characters, 192 bits from {@link SecureRandom}) is returned
 * once, by {@link #createKey}. Absent tenants and keys read as null (or false), so the caller picks the status.
 */
public final class TenantStore {

  /** A tenant of that name exists already. */
  public static final class TenantExists extends RuntimeException {
    public TenantExists(String name) {
      super("tenant exists: " + name);
    }
  }

  static final String KEY_PREFIX = "sk-gb-";
  private static final char[] URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
  private static final int KEY_CHARS = 32;
  private static final String UNIQUE_VIOLATION = "23505";
  private static final String FOREIGN_KEY_VIOLATION = "23503";
  private static final String TENANT_COLUMNS = "name, rpm, max_concurrent_jobs, images_per_day, priority, models";

  private final Pool pool;
  private final SecureRandom random = new SecureRandom();

  public TenantStore(Pool pool) {
    this.pool = pool;
  }

  public Future<List<StoredTenant>> list() {
    return pool.query("SELECT " + TENANT_COLUMNS + " FROM tenants ORDER BY name").execute()
        .map(rows -> tenants(rows));
  }

  /** The tenant, or null. */
  public Future<StoredTenant> get(String name) {
    return pool.preparedQuery("SELECT " + TENANT_COLUMNS + " FROM tenants WHERE name = $1").execute(Tuple.of(name))
        .map(rows -> first(tenants(rows)));
  }

  /** Creates the tenant; fails with {@link TenantExists} when the name is taken. */
  public Future<StoredTenant> create(StoredTenant tenant) {
    return pool.preparedQuery("INSERT INTO tenants (" + TENANT_COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6)"
            + " RETURNING " + TENANT_COLUMNS)
        .execute(values(tenant))
        .map(rows -> first(tenants(rows)))
        .recover(e -> Future.<StoredTenant>failedFuture(sqlState(e, UNIQUE_VIOLATION) ? new TenantExists(tenant.name()) : e));
  }

  /** Replaces the tenant's limits, priority and models; null when there is no such tenant. */
  public Future<StoredTenant> update(StoredTenant tenant) {
    return pool.preparedQuery("UPDATE tenants SET rpm = $2, max_concurrent_jobs = $3, images_per_day = $4,"
            + " priority = $5, models = $6, updated_at = now() WHERE name = $1 RETURNING " + TENANT_COLUMNS)
        .execute(values(tenant))
        .map(rows -> first(tenants(rows)));
  }

  /** Deletes the tenant and its keys; false when there was none. */
  public Future<Boolean> delete(String name) {
    return pool.preparedQuery("DELETE FROM tenants WHERE name = $1").execute(Tuple.of(name))
        .map(rows -> rows.rowCount() > 0);
  }

  /** A new key for the tenant (the plain key shown once); null when there is no such tenant. */
  public Future<NewKey> createKey(String tenant) {
    String key = newKey();
    byte[] hash = TenantRegistry.sha256(key); // the digest keys are looked up by
    return pool.preparedQuery("INSERT INTO tenant_keys (key_id, tenant, key_hash) VALUES ($1, $2, $3)"
            + " RETURNING key_id, tenant, created_at, revoked_at")
        .execute(Tuple.of(keyId(hash), tenant, Buffer.buffer(hash)))
        .map(rows -> new NewKey(key, first(keys(rows))))
        .recover(e -> sqlState(e, FOREIGN_KEY_VIOLATION) ? Future.<NewKey>succeededFuture(null) : Future.<NewKey>failedFuture(e));
  }

  /** The tenant's keys, oldest first, revoked ones included (never a hash). */
  public Future<List<StoredKey>> keys(String tenant) {
    return pool.preparedQuery("SELECT key_id, tenant, created_at, revoked_at FROM tenant_keys WHERE tenant = $1"
            + " ORDER BY created_at, key_id")
        .execute(Tuple.of(tenant))
        .map(TenantStore::keys);
  }

  /** Revokes the key (again: no change); null when the tenant has no such key. */
  public Future<StoredKey> revokeKey(String tenant, String keyId) {
    return pool.preparedQuery("UPDATE tenant_keys SET revoked_at = coalesce(revoked_at, now())"
            + " WHERE tenant = $1 AND key_id = $2 RETURNING key_id, tenant, created_at, revoked_at")
        .execute(Tuple.of(tenant, keyId))
        .map(rows -> first(keys(rows)));
  }

  /** Every tenant with the hashes of its valid keys: what each API node's registry loads. */
  public Future<List<TenantKeys>> loadAll() {
    return pool.query("SELECT t.name, t.rpm, t.max_concurrent_jobs, t.images_per_day, t.priority, t.models,"
            + " k.key_id, k.key_hash FROM tenants t"
            + " LEFT JOIN tenant_keys k ON k.tenant = t.name AND k.revoked_at IS NULL ORDER BY t.name, k.created_at")
        .execute()
        .map(rows -> {
          Map<String, StoredTenant> tenants = new LinkedHashMap<>();
          Map<String, List<TenantKeys.KeyHash>> hashes = new LinkedHashMap<>();
          for (Row row : rows) {
            StoredTenant tenant = tenant(row);
            tenants.putIfAbsent(tenant.name(), tenant);
            List<TenantKeys.KeyHash> keys = hashes.computeIfAbsent(tenant.name(), n -> new ArrayList<>());
            if (row.getString("key_id") != null) {
              keys.add(new TenantKeys.KeyHash(row.getString("key_id"), row.getBuffer("key_hash").getBytes()));
            }
          }
          List<TenantKeys> all = new ArrayList<>(tenants.size());
          tenants.forEach((name, tenant) -> all.add(new TenantKeys(tenant, hashes.get(name))));
          return all;
        });
  }

  /** The id of a key from its SHA-256: its first 16 hex digits (as {@code Caller.keyId()}). */
  public static String keyId(byte[] sha256) {
    return HexFormat.of().formatHex(sha256, 0, 8);
  }

  private String newKey() {
    char[] chars = new char[KEY_CHARS];
    for (int i = 0; i < KEY_CHARS; i++) {
      chars[i] = URL_SAFE[random.nextInt(URL_SAFE.length)];
    }
    return KEY_PREFIX + new String(chars);
  }

  private static Tuple values(StoredTenant t) {
    return Tuple.of(t.name(), t.rpm(), t.maxConcurrentJobs(), t.imagesPerDay(), t.priority(),
        t.models() == null ? null : t.models().toArray(new String[0]));
  }

  private static List<StoredTenant> tenants(RowSet<Row> rows) {
    List<StoredTenant> list = new ArrayList<>(rows.size());
    rows.forEach(row -> list.add(tenant(row)));
    return list;
  }

  private static StoredTenant tenant(Row row) {
    String[] models = row.getArrayOfStrings("models");
    return new StoredTenant(row.getString("name"), row.getInteger("rpm"), row.getInteger("max_concurrent_jobs"),
        row.getInteger("images_per_day"), row.getInteger("priority"), models == null ? null : Arrays.asList(models));
  }

  private static List<StoredKey> keys(RowSet<Row> rows) {
    List<StoredKey> list = new ArrayList<>(rows.size());
    rows.forEach(row -> list.add(new StoredKey(row.getString("key_id"), row.getString("tenant"),
        instant(row.getOffsetDateTime("created_at")), instant(row.getOffsetDateTime("revoked_at")))));
    return list;
  }

  private static Instant instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant();
  }

  private static <T> T first(List<T> list) {
    return list.isEmpty() ? null : list.get(0);
  }

  private static boolean sqlState(Throwable e, String state) {
    return e instanceof PgException pg && state.equals(pg.getSqlState());
  }
}

package io.genbus.api.tenants;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.api.usage.Migrations;
import io.genbus.config.ConfigLoader;
import io.genbus.config.DbConfig;
import io.genbus.testing.PostgresServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("runtime tenants and keys in a real PostgreSQL")
class TenantStoreTest {

  static PostgresServer postgres;
  static Vertx vertx;
  static Pool pool;
  static TenantStore store;

  @BeforeAll
  static void start() {
    postgres = PostgresServer.shared();
    String database = postgres.freshDatabase();
    DbConfig db = new ConfigLoader(Map.of()).dbFromText("url: " + postgres.url(database));
    Migrations.migrate(db);
    vertx = Vertx.vertx();
    pool = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(postgres.port())
        .setDatabase(database).setUser(PostgresServer.USER).setPassword(postgres.password())).using(vertx).build();
    store = new TenantStore(pool);
  }

  @AfterAll
  static void stop() {
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  @DisplayName("tenants are created, read, listed, updated and deleted; absent ones read as null")
  void crud() {
    StoredTenant acme = new StoredTenant("crud-acme", 60, 4, 500, 2, List.of("gemini-*", "local-image"));
    assertEquals(acme, await(store.create(acme)));
    assertEquals(acme, await(store.get("crud-acme")));
    StoredTenant open = new StoredTenant("crud-open", null, null, null, 1, null);
    assertEquals(open, await(store.create(open)), "null limits (unlimited) and models (all) round-trip");
    assertTrue(await(store.list()).containsAll(List.of(acme, open)));

    Throwable taken = failure(store.create(new StoredTenant("crud-acme", 1, 1, 1, 1, null)));
    assertInstanceOf(TenantStore.TenantExists.class, taken);

    StoredTenant changed = new StoredTenant("crud-acme", 120, null, 1000, 3, List.of("local-image"));
    assertEquals(changed, await(store.update(changed)));
    assertEquals(changed, await(store.get("crud-acme")));
    assertNull(await(store.update(new StoredTenant("crud-nobody", 1, 1, 1, 1, null))));

    assertTrue(await(store.delete("crud-open")));
    assertFalse(await(store.delete("crud-open")));
    assertNull(await(store.get("crud-open")));
  }

  @Test
  @DisplayName("a key is shown once and stored as its SHA-256 only; revoked keys leave loadAll; deleting a tenant deletes its keys")
  void keys() {
    await(store.create(new StoredTenant("keys-acme", 10, null, null, 1, null)));
    NewKey first = await(store.createKey("keys-acme"));
    NewKey second = await(store.createKey("keys-acme"));
    assertTrue(first.key().matches("sk-gb-[A-Za-z0-9_-]{32}"), first.key());
    assertNotEquals(first.key(), second.key());
    byte[] hash = TenantRegistry.sha256(first.key());
    assertEquals(HexFormat.of().formatHex(hash).substring(0, 16), first.stored().keyId());
    assertEquals("keys-acme", first.stored().tenant());
    assertNotNull(first.stored().createdAt());
    assertFalse(first.stored().revoked());
    assertFalse(first.toString().contains(first.key()), "toString never shows the key");

    // In the table: the hash, nothing else of the key.
    Row stored = await(pool.preparedQuery("SELECT key_hash, key_id FROM tenant_keys WHERE key_id = $1")
        .execute(Tuple.of(first.stored().keyId()))).iterator().next();
    assertArrayEquals(hash, stored.getBuffer("key_hash").getBytes());
    long plain = await(pool.preparedQuery("SELECT count(*) FROM tenant_keys WHERE position(convert_to($1, 'UTF8') IN key_hash) > 0"
        + " OR key_id = $1").execute(Tuple.of(first.key()))).iterator().next().getLong(0);
    assertEquals(0, plain, "the plain key is nowhere in the table");

    assertEquals(List.of(first.stored(), second.stored()), await(store.keys("keys-acme")));
    assertNull(await(store.createKey("keys-nobody")), "no key for a tenant that does not exist");

    StoredKey revoked = await(store.revokeKey("keys-acme", first.stored().keyId()));
    assertTrue(revoked.revoked());
    assertEquals(revoked, await(store.revokeKey("keys-acme", first.stored().keyId())), "revoking again changes nothing");
    assertNull(await(store.revokeKey("keys-acme", "0000000000000000")));
    assertNull(await(store.revokeKey("keys-other", second.stored().keyId())), "only the tenant's own keys");

    TenantKeys loaded = await(store.loadAll()).stream().filter(t -> t.tenant().name().equals("keys-acme")).findFirst()
        .orElseThrow();
    assertEquals(1, loaded.keys().size(), "the revoked key is not loaded");
    assertEquals(second.stored().keyId(), loaded.keys().get(0).keyId());
    assertArrayEquals(TenantRegistry.sha256(second.key()), loaded.keys().get(0).sha256());

    await(store.create(new StoredTenant("keys-empty", null, null, null, 1, null)));
    assertTrue(await(store.loadAll()).stream().anyMatch(t -> t.tenant().name().equals("keys-empty") && t.keys().isEmpty()),
        "a tenant without keys is loaded too");

    assertTrue(await(store.delete("keys-acme")));
    assertEquals(List.of(), await(store.keys("keys-acme")), "its keys went with it");
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Throwable failure(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.genbus.api;

import static io.genbus.api.GatewayClusterTest.assertError;
import static io.genbus.api.Http.chatBody;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import io.genbus.config.ConfigLoader;
import io.genbus.config.DbConfig;
import io.genbus.testing.PostgresServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API on real clustered nodes and a real PostgreSQL: tenants and keys made on one API node are in
 * force on the other as soon as the cluster tells it (well before the 30-s safety reload), revoked keys
 * refused there; config tenants are read-only; without a database the admin API says so.
 */
@DisplayName("tenants at runtime: the admin API")
class TenantsAdminClusterTest {

  private static final Logger LOG = LoggerFactory.getLogger(TenantsAdminClusterTest.class);
  static final String MODEL = "admin-model";
  /** Far under TenantSync's 30-s reload: a change seen this soon came through the cluster's publication. */
  static final long PUSHED_MS = 5_000;
  static TestCluster cluster;
  static int apiA;
  static int apiB;
  static int noDb;

  @BeforeAll
  static void start() {
    PostgresServer postgres = PostgresServer.shared();
    DbConfig db = new ConfigLoader(Map.of()).dbFromText("url: " + postgres.url(postgres.freshDatabase()));
    String config = """
        tenants:
          - {name: fixed, keys: [sk-fixed]}
        adminKeys: [sk-root]
        """;
    cluster = new TestCluster();
    ClusterNode a = cluster.node();
    ClusterNode b = cluster.node();
    apiA = cluster.api(a, apiConfig(config), db).port();
    apiB = cluster.api(b, apiConfig(config), db).port();
    noDb = cluster.api(b, apiConfig(config)).port();
    cluster.worker(workerConfig("backends:\n  - {type: local, models: [" + MODEL + "], concurrency: 4, size: 16}\n"));
    eventually("model listed", () -> GatewayClusterTest.modelIds(apiB, admin()).contains(MODEL));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static String[] admin() {
    return TenantsClusterTest.key("sk-root");
  }

  static Http.Response post(int port, String path, JsonObject body, String... headers) {
    return Http.post(port, path, body.encode(), headers);
  }

  static Http.Response patch(int port, String path, JsonObject body, String... headers) {
    return Http.send(port, "PATCH", path, body.encode(), headers);
  }

  /** Polls until {@code check} holds; answers how long it took. */
  static long within(String what, java.util.function.BooleanSupplier check) {
    long start = System.nanoTime();
    eventually(what, check::getAsBoolean);
    long ms = (System.nanoTime() - start) / 1_000_000;
    LOG.info("{}: {} ms", what, ms);
    return ms;
  }

  @Test
  @DisplayName("a tenant and key made on node A work on node B at once; a revoked key is refused on B at once")
  void createUseRevoke() {
    Http.Response created = post(apiA, "/v1/admin/tenants", new JsonObject().put("name", "runtime-co")
        .put("rpm", 1000).put("models", new JsonArray().add("admin-*")), admin());
    assertEquals(201, created.status(), created.body());
    assertEquals("runtime-co", created.json().getString("name"));
    assertEquals(1000, created.json().getInteger("rpm"));
    assertFalse(created.json().getBoolean("read_only"));

    Http.Response key = post(apiA, "/v1/admin/tenants/runtime-co/keys", new JsonObject(), admin());
    assertEquals(201, key.status(), key.body());
    String plain = key.json().getString("key");
    String id = key.json().getString("id");
    assertTrue(plain.startsWith("sk-gb-"), plain);
    assertEquals(16, id.length());

    long seen = within("the new key works on node B", () ->
        Http.chat(apiB, chatBody(MODEL, "runtime", false), TenantsClusterTest.key(plain)).status() == 200);
    assertTrue(seen < PUSHED_MS, "took " + seen + " ms");
    // Listed without the key itself, ever.
    JsonObject listed = Http.get(apiB, "/v1/admin/tenants/runtime-co/keys", admin()).json();
    assertEquals(id, listed.getJsonArray("data").getJsonObject(0).getString("id"));
    assertFalse(listed.encode().contains(plain));
    assertNull(listed.getJsonArray("data").getJsonObject(0).getValue("revoked_at"));

    Http.Response revoked = Http.delete(apiB, "/v1/admin/tenants/runtime-co/keys/" + id, admin());
    assertEquals(200, revoked.status(), revoked.body());
    assertNotNull(revoked.json().getValue("revoked_at"));
    long refused = within("the revoked key is refused on node A", () ->
        Http.chat(apiA, chatBody(MODEL, "revoked", false), TenantsClusterTest.key(plain)).status() == 401);
    assertTrue(refused < PUSHED_MS, "took " + refused + " ms");
  }

  @Test
  @DisplayName("PATCH changes limits everywhere: rpm 1 on node A refuses the second request on node B")
  void patchLimits() throws Exception {
    assertEquals(201, post(apiA, "/v1/admin/tenants", new JsonObject().put("name", "patched"), admin()).status());
    String plain = post(apiA, "/v1/admin/tenants/patched/keys", new JsonObject(), admin()).json().getString("key");
    TenantsClusterTest.awaitFreshMinute();
    Http.Response changed = patch(apiA, "/v1/admin/tenants/patched", new JsonObject().put("rpm", 1), admin());
    assertEquals(200, changed.status(), changed.body());
    assertEquals(1, changed.json().getInteger("rpm"));
    eventually("rpm 1 in force on node B", () -> "1".equals(
        Http.chat(apiB, chatBody(MODEL, "patched", false), TenantsClusterTest.key(plain)).header("x-ratelimit-limit-requests")));
    assertError(Http.chat(apiB, chatBody(MODEL, "patched again", false), TenantsClusterTest.key(plain)), 429,
        "requests", "rate_limit_exceeded", null);
  }

  @Test
  @DisplayName("refusals: not an admin 403, config tenants read-only 409, bad fields 400, unknown 404, no db 501")
  void refusals() {
    assertError(Http.get(apiA, "/v1/admin/tenants", TenantsClusterTest.key("sk-fixed")), 403, "permission_error",
        "permission_denied", null);
    assertError(patch(apiA, "/v1/admin/tenants/fixed", new JsonObject().put("rpm", 5), admin()), 409,
        "invalid_request_error", "tenant_conflict", null);
    assertError(post(apiA, "/v1/admin/tenants", new JsonObject().put("name", "fixed"), admin()), 409,
        "invalid_request_error", "tenant_conflict", "name");
    assertError(post(apiA, "/v1/admin/tenants", new JsonObject().put("name", "bad").put("rpm", -1), admin()), 400,
        "invalid_request_error", "invalid_value", "rpm");
    assertError(post(apiA, "/v1/admin/tenants", new JsonObject().put("name", "no spaces"), admin()), 400,
        "invalid_request_error", "invalid_value", "name");
    assertError(Http.get(apiA, "/v1/admin/tenants/nobody", admin()), 404, "invalid_request_error",
        "tenant_not_found", null);
    assertError(post(noDb, "/v1/admin/tenants", new JsonObject().put("name", "nodb"), admin()), 501, "api_error",
        "not_configured", null);
    // The config tenants are listed, read-only, even without a database.
    List<String> names = Http.get(noDb, "/v1/admin/tenants", admin()).json().getJsonArray("data").stream()
        .map(t -> ((JsonObject) t).getString("name")).toList();
    assertEquals(List.of("fixed"), names);
  }
}

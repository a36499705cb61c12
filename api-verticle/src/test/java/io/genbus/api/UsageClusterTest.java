package io.genbus.api;

import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.await;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.api.usage.ClusterUsage;
import io.genbus.api.usage.UsageQuery;
import io.genbus.api.usage.UsageRow;
import io.genbus.cluster.ClusterNode;
import io.genbus.config.ConfigLoader;
import io.genbus.config.DbConfig;
import io.genbus.protocol.Addresses;
import io.genbus.testing.PostgresServer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Usage on real clustered nodes: the hourly totals two API nodes add to, and {@code GET /v1/usage} and
 * {@code /v1/status/usage} over HTTP, without a database (cluster memory) and with one (a real PostgreSQL).
 */
@DisplayName("usage across the cluster")
class UsageClusterTest {

  // A model per test, so that each test's totals are its own (the hourly totals are the whole cluster's).
  static final String MODEL_DB = "usage-db";
  static final String MODEL_PLAIN = "usage-plain";
  static final String MODEL_CHART = "usage-chart";
  static final String MODEL_TENANTS = "usage-tenants";
  static TestCluster cluster;
  static PostgresServer postgres;
  static ClusterNode nodeA;
  static ClusterNode nodeB;
  /** An API node without a database, and one with (both in the same cluster, sharing the hourly totals). */
  static int plainApi;
  static int dbApi;
  /** An API node with tenants and an admin key, writing to the same database as {@link #dbApi}. */
  static int tenantsApi;
  static DbConfig db;
  static String database;

  @BeforeAll
  static void start() {
    postgres = PostgresServer.shared();
    database = postgres.freshDatabase();
    db = new ConfigLoader(Map.of()).dbFromText("url: " + postgres.url(database) + "\nflushMillis: 100");
    cluster = new TestCluster();
    nodeA = cluster.node();
    nodeB = cluster.node();
    plainApi = cluster.api(nodeA, apiConfig("")).port();
    dbApi = cluster.api(nodeB, apiConfig(""), db).port();
    tenantsApi = cluster.api(cluster.node(), apiConfig("""
        tenants:
          - {name: acme, keys: [sk-usage-acme]}
          - {name: beta, keys: [sk-usage-beta]}
        adminKeys: [sk-usage-admin]
        """), db).port();
    cluster.worker(workerConfig("backends:\n  - {type: local, models: [" + MODEL_DB + ", " + MODEL_PLAIN + ", "
        + MODEL_CHART + ", " + MODEL_TENANTS + "], concurrency: 4, size: 16, maxSize: 64}\n"));
    eventually("models listed on both", () -> GatewayClusterTest.modelIds(plainApi).contains(MODEL_CHART)
        && GatewayClusterTest.modelIds(dbApi).contains(MODEL_CHART));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static UsageRow row(String job, String request, String tenant, String model, int n, String status, long endedAt) {
    return new UsageRow(job, request, tenant, "k", model, "/v1/images/generations", n, null, status, null, 1, 2, "w",
        "api", endedAt, endedAt);
  }

  @Nested
  @DisplayName("the hourly totals in Hazelcast")
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Hourly {

    @Test
    @DisplayName("deltas from two nodes, merged at the same time into the same entries, add up to one total")
    void merges() {
      ClusterUsage a = new ClusterUsage(nodeA.vertx().getOrCreateContext(),
          nodeA.clusterManager().getHazelcastInstance().getMap(Addresses.USAGE_HOURLY_MAP));
      ClusterUsage b = new ClusterUsage(nodeB.vertx().getOrCreateContext(),
          nodeB.clusterManager().getHazelcastInstance().getMap(Addresses.USAGE_HOURLY_MAP));
      // An hour of its own (ten years ago), so that the API nodes' jobs in the other tests do not count here.
      long hour = LocalDate.of(2016, 3, 1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      List<Future<Void>> merges = new ArrayList<>();
      for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 10; i++) {
          String job = "r" + round + "-" + i;
          // a: one request of two jobs (2 images); b: single jobs, one in ten failed
          a.record(row(job + "-1", job + "-1", "hourly-acme", "m1", 1, "done", hour + i));
          a.record(row(job + "-2", job + "-1", "hourly-acme", "m1", 1, "done", hour + i));
          b.record(row(job, job, "hourly-acme", "m1", i == 0 ? 0 : 1, i == 0 ? "error" : "done", hour + 1000 + i));
          b.record(row(job + "-x", job + "-x", "hourly-beta", "m2", 1, "done", hour + 2000));
        }
        merges.add(a.merge());
        merges.add(b.merge());
      }
      await(Future.all(merges));
      long from = hour;
      long to = hour + 3_600_000;
      for (ClusterUsage reader : List.of(a, b)) {
        assertEquals(List.of(new UsageQuery.Bucket("hourly-acme", 200, 300, 290, 10),
                new UsageQuery.Bucket("hourly-beta", 100, 100, 100, 0)),
            await(reader.totals(from, to, UsageQuery.GroupBy.TENANT, null)));
        assertEquals(List.of(new UsageQuery.Bucket("m1", 200, 300, 290, 10)),
            await(reader.totals(from, to, UsageQuery.GroupBy.MODEL, "hourly-acme")));
        assertEquals(List.of(new UsageQuery.Bucket("2016-03-01", 300, 400, 390, 10)),
            await(reader.totals(from, to, UsageQuery.GroupBy.DAY, null)));
      }
      assertEquals(List.of(), await(a.totals(hour + 3_600_000, hour + 7_200_000, UsageQuery.GroupBy.TENANT, null)),
          "the next hour is empty");
    }
  }

  @Nested
  @DisplayName("GET /v1/usage")
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class UsageEndpoint {

    /** Sends 3 chat requests and one images request with n: 2 (4 requests, 5 jobs, 5 images); returns once answered. */
    void traffic(int api, String model) {
      for (int i = 0; i < 3; i++) {
        Http.Response chat = Http.chat(api, Http.chatBody(model, "a cat " + i, false));
        assertEquals(200, chat.status(), chat.body());
      }
      Http.Response images = Http.post(api, "/v1/images/generations",
          new JsonObject().put("model", model).put("prompt", "two cats").put("n", 2).encode());
      assertEquals(200, images.status(), images.body());
    }

    @Test
    @DisplayName("with a database: the sums equal the requests sent, by model, day and tenant; every job is a row")
    void withDatabase() {
      String today = LocalDate.now(ZoneOffset.UTC).toString();
      traffic(dbApi, MODEL_DB);
      JsonObject usage = eventually("the 4 requests counted", () -> Http.get(dbApi, "/v1/usage?group_by=model").json(),
          u -> u.getJsonArray("data").encode().contains(MODEL_DB) && bucket(u.getJsonArray("data"), MODEL_DB).getLong("jobs") == 5);
      assertEquals("list", usage.getString("object"));
      assertEquals("model", usage.getString("group_by"));
      assertEquals("database", usage.getString("source"));
      assertEquals(new JsonObject().put("key", MODEL_DB).put("requests", 4).put("jobs", 5).put("images", 5).put("failed", 0),
          bucket(usage.getJsonArray("data"), MODEL_DB));
      // The caller (no keys: tenant default) sees its tenant only: the jobs of this test (tenantsApi writes other tenants).
      assertEquals(usage.getJsonObject("total"), new JsonObject().put("requests", 4).put("jobs", 5).put("images", 5)
          .put("failed", 0));

      JsonObject byDay = Http.get(dbApi, "/v1/usage?group_by=day&from=" + today + "&to=" + today).json();
      assertEquals(5, bucket(byDay.getJsonArray("data"), today).getLong("jobs"));
      JsonObject byTenant = Http.get(dbApi, "/v1/usage?group_by=tenant").json();
      assertEquals(5, bucket(byTenant.getJsonArray("data"), "default").getLong("images"));
      assertEquals("5|4|5", postgres.psql(database, "SELECT count(*), count(*) FILTER (WHERE job_id = request_id),"
          + " sum(n) FROM usage WHERE model = '" + MODEL_DB + "' AND status = 'done' AND api_node = '" + nodeB.nodeId() + "'"));
    }

    @Test
    @DisplayName("without a database: the same sums, from the cluster's hourly totals")
    void withoutDatabase() {
      traffic(plainApi, MODEL_PLAIN);
      JsonObject usage = eventually("the 5 jobs counted", () -> Http.get(plainApi, "/v1/usage?group_by=model").json(),
          u -> u.getJsonArray("data").encode().contains(MODEL_PLAIN)
              && bucket(u.getJsonArray("data"), MODEL_PLAIN).getLong("jobs") == 5);
      assertEquals("cluster_hourly", usage.getString("source"));
      assertEquals(new JsonObject().put("key", MODEL_PLAIN).put("requests", 4).put("jobs", 5).put("images", 5)
          .put("failed", 0), bucket(usage.getJsonArray("data"), MODEL_PLAIN));
    }

    @Test
    @DisplayName("a tenant's key sees its own tenant only; an admin key sees every tenant")
    void perTenant() {
      String[] acme = {"Authorization", "Bearer sk-usage-acme"};
      String[] beta = {"Authorization", "Bearer sk-usage-beta"};
      String[] admin = {"Authorization", "Bearer sk-usage-admin"};
      for (String[] key : List.of(acme, acme, beta)) {
        Http.Response chat = Http.chat(tenantsApi, Http.chatBody(MODEL_TENANTS, "a fox", false), key);
        assertEquals(200, chat.status(), chat.body());
      }
      JsonObject all = eventually("the admin sees both tenants' jobs", () -> Http.get(tenantsApi,
          "/v1/usage?group_by=tenant", admin).json(), u -> u.getJsonArray("data").encode().contains("\"beta\"")
          && bucket(u.getJsonArray("data"), "acme").getLong("jobs") == 2);
      assertNull(all.getValue("tenant"), "not limited to a tenant");
      assertEquals(1, bucket(all.getJsonArray("data"), "beta").getLong("requests"));

      JsonObject own = Http.get(tenantsApi, "/v1/usage?group_by=tenant", acme).json();
      assertEquals("acme", own.getString("tenant"));
      assertEquals(List.of("acme"), own.getJsonArray("data").stream().map(b -> ((JsonObject) b).getString("key")).toList());
      assertEquals(2, own.getJsonObject("total").getLong("requests"));
      JsonObject betaByModel = Http.get(tenantsApi, "/v1/usage?group_by=model", beta).json();
      assertEquals(1, bucket(betaByModel.getJsonArray("data"), MODEL_TENANTS).getLong("jobs"));
      assertEquals(401, Http.get(tenantsApi, "/v1/usage").status(), "a key is needed");

      // The status page's usage view follows the same rule.
      JsonObject status = eventually("the hourly totals have acme's jobs", () -> Http.get(tenantsApi, "/v1/status/usage",
          acme).json(), u -> u.getJsonObject("byTenant").containsKey("acme"));
      assertEquals(List.of("acme"), List.copyOf(status.getJsonObject("byTenant").fieldNames()));
      assertTrue(eventually("the admin's view has beta too", () -> Http.get(tenantsApi, "/v1/status/usage", admin).json(),
          u -> u.getJsonObject("byTenant").containsKey("beta")).getJsonObject("byTenant").containsKey("acme"));
    }

    @Test
    @DisplayName("takes epoch seconds, instants and dates; bad parameters get a 400 naming the parameter")
    void parameters() {
      long now = System.currentTimeMillis() / 1000;
      Http.Response seconds = Http.get(plainApi, "/v1/usage?from=" + (now - 3600) + "&to=" + now + "&group_by=tenant");
      assertEquals(200, seconds.status(), seconds.body());
      assertEquals(now - 3600, seconds.json().getLong("from"));
      assertEquals(now, seconds.json().getLong("to"));
      Http.Response instants = Http.get(plainApi, "/v1/usage?from=2026-01-01T00:00:00Z&to=2026-01-02T12:00:00%2B02:00");
      assertEquals(200, instants.status(), instants.body());
      assertEquals(1_767_225_600L, instants.json().getLong("from"));
      assertEquals(1_767_348_000L, instants.json().getLong("to"));
      assertEquals("day", instants.json().getString("group_by"), "the default grouping");
      Http.Response defaults = Http.get(plainApi, "/v1/usage");
      assertEquals(86_400, defaults.json().getLong("to") - defaults.json().getLong("from"), "the last 24 h by default");

      assertBad(Http.get(plainApi, "/v1/usage?group_by=week"), "group_by");
      assertBad(Http.get(plainApi, "/v1/usage?from=yesterday"), "from");
      assertBad(Http.get(plainApi, "/v1/usage?to=2026-13-01"), "to");
      assertBad(Http.get(plainApi, "/v1/usage?from=2026-02-01&to=2026-01-01"), "to");
      assertBad(Http.get(plainApi, "/v1/usage?from=2024-01-01&to=2026-01-01"), "from");
      assertBad(Http.get(dbApi, "/v1/usage?group_by=hour"), "group_by");
    }

    private void assertBad(Http.Response response, String param) {
      assertEquals(400, response.status(), response.body());
      assertEquals("invalid_request_error", response.error().getString("type"));
      assertEquals("invalid_value", response.error().getString("code"));
      assertEquals(param, response.error().getString("param"));
    }
  }

  @Nested
  @DisplayName("GET /v1/status/usage")
  class StatusUsage {

    @Test
    @DisplayName("images per hour over 24 h by model and by tenant, and the top tenants, for the status page")
    void chartData() {
      Http.Response chat = Http.chat(plainApi, Http.chatBody(MODEL_CHART, "a dog", false));
      assertEquals(200, chat.status(), chat.body());
      // asked of the other node: the totals are the cluster's
      JsonObject usage = eventually("this hour counts the job", () -> Http.get(dbApi, "/v1/status/usage").json(),
          u -> u.getJsonObject("byModel").containsKey(MODEL_CHART));
      JsonArray hours = usage.getJsonArray("hours");
      assertEquals(24, hours.size());
      assertEquals(3_600_000L, hours.getLong(23) - hours.getLong(22));
      assertTrue(hours.getLong(23) <= usage.getLong("time") && usage.getLong("time") < hours.getLong(23) + 3_600_000L);
      JsonArray images = usage.getJsonObject("byModel").getJsonArray(MODEL_CHART);
      assertEquals(24, images.size());
      assertEquals(1, images.getLong(23) + images.getLong(22), "the job's image, in the last hour (or the one before): " + images);
      assertTrue(usage.getJsonObject("byTenant").containsKey("default"));
      JsonObject top = usage.getJsonArray("topTenants").getJsonObject(0);
      assertEquals("default", top.getString("key"));
      assertTrue(top.getLong("images") >= 1);
      assertTrue(usage.getBoolean("persistent"), "the node with a database says so");
      assertEquals(false, Http.get(plainApi, "/v1/status/usage").json().getBoolean("persistent"));
    }
  }

  static JsonObject bucket(JsonArray data, String key) {
    return data.stream().map(JsonObject.class::cast).filter(b -> b.getString("key").equals(key)).findFirst()
        .orElseThrow(() -> new AssertionError("no bucket " + key + " in " + data.encode()));
  }
}

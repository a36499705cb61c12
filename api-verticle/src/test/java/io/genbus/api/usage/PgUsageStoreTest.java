package io.genbus.api.usage;

import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.config.ConfigLoader;
import io.genbus.config.DbConfig;
import io.genbus.testing.PostgresServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("usage rows written to a real PostgreSQL")
class PgUsageStoreTest {

  static PostgresServer postgres;
  static Vertx vertx;
  private final List<Pool> pools = new ArrayList<>();

  @BeforeAll
  static void start() {
    postgres = PostgresServer.shared();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    if (vertx != null) {
      Db.await(vertx.close());
    }
  }

  @AfterEach
  void closePools() {
    pools.forEach(p -> Db.await(p.close()));
  }

  private PgUsageStore store(DbConfig db, PrometheusMeterRegistry metrics) {
    Pool pool = Usage.pool(vertx, db);
    pools.add(pool);
    PgUsageStore store = new PgUsageStore(vertx.getOrCreateContext(), pool, db, metrics);
    store.start();
    return store;
  }

  static UsageRow row(String jobId, String requestId, String tenant, String model, int n, String status, long endedAt) {
    return new UsageRow(jobId, requestId, tenant, "0123456789abcdef", model, "/v1/images/generations", n, "64x64",
        status, status.equals("error") ? "job_timeout" : null, 120, 3400, "node-w/0", "node-a", endedAt - 3600, endedAt);
  }

  @Test
  @DisplayName("every field of a row lands as recorded")
  void rowsLandExactly() {
    DbConfig db = Db.fresh(postgres, "flushMillis: 50");
    Migrations.migrate(db);
    PgUsageStore store = store(db, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    long t = 1_764_547_200_123L; // 2025-12-01T00:00:00.123Z
    store.record(row("job-1", "job-1", "acme", "gemini-flash", 2, "done", t));
    store.record(row("job-2", "job-1", "acme", "gemini-flash", 0, "error", t + 1));
    store.record(new UsageRow("job-3", "job-3", "default", null, "local-image", "/v1/chat/completions", 0, null,
        "cancelled", null, 0, 0, null, "node-b", t, t + 2));
    eventually("three rows in the table", () -> Db.count(db, "SELECT count(*) FROM usage") == 3);
    assertEquals(List.of(
            List.of("job-1", "job-1", "acme", "0123456789abcdef", "gemini-flash", "/v1/images/generations", 2, "64x64",
                "done", "-", 120L, 3400L, "node-w/0", "node-a", t - 3600, t),
            List.of("job-2", "job-1", "acme", "0123456789abcdef", "gemini-flash", "/v1/images/generations", 0, "64x64",
                "error", "job_timeout", 120L, 3400L, "node-w/0", "node-a", t + 1 - 3600, t + 1),
            List.of("job-3", "job-3", "default", "-", "local-image", "/v1/chat/completions", 0, "-", "cancelled", "-",
                0L, 0L, "-", "node-b", t, t + 2)),
        Db.query(db, "SELECT job_id, request_id, tenant, coalesce(key_id, '-'), model, endpoint, n, coalesce(size, '-'),"
            + " status, coalesce(error_code, '-'), queue_wait_ms, generation_ms, coalesce(worker_id, '-'), api_node,"
            + " (extract(epoch FROM created_at) * 1000)::bigint, (extract(epoch FROM ended_at) * 1000)::bigint"
            + " FROM usage ORDER BY job_id"));
    Db.await(store.stop(5000));
  }

  @Test
  @DisplayName("a full batch is written at once, the rest at the next flush or on stop; a batch sent twice leaves one row each")
  void batches() {
    // No periodic flush within the test: only full batches go out, and the last rows on stop.
    DbConfig db = Db.fresh(postgres, "batchRows: 50\nflushMillis: 60000");
    Migrations.migrate(db);
    PgUsageStore store = store(db, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    long t = System.currentTimeMillis();
    for (int i = 0; i < 120; i++) {
      store.record(row("job-" + i, "job-" + i, "acme", "m", 1, "done", t));
    }
    eventually("two full batches written", () -> Db.count(db, "SELECT count(*) FROM usage") == 100);
    eventually("the rest waits for the next flush", () -> store.buffered() == 20);
    // The first ten again, as a batch retried after a lost answer would be: ON CONFLICT keeps one row each.
    for (int i = 0; i < 10; i++) {
      store.record(row("job-" + i, "job-" + i, "acme", "m", 1, "done", t));
    }
    Db.await(store.stop(5000));
    assertEquals(0, store.buffered(), "stop wrote what was left");
    assertEquals(120, Db.count(db, "SELECT count(*) FROM usage"));
    assertEquals(120, Db.count(db, "SELECT count(DISTINCT job_id) FROM usage"));
  }

  @Test
  @DisplayName("with the database unreachable, rows wait up to db.bufferRows; older ones are dropped and counted")
  void overflow() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    DbConfig db = new ConfigLoader(Map.of()).dbFromText("url: postgresql://genbus:pw@127.0.0.1:" + closedPort
        + "/genbus\nbufferRows: 10\nbatchRows: 5\nflushMillis: 20");
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PgUsageStore store = store(db, metrics);
    long t = System.currentTimeMillis();
    for (int i = 0; i < 25; i++) {
      store.record(row("job-" + i, "job-" + i, "acme", "m", 1, "done", t));
    }
    assertEquals(10, store.buffered());
    assertEquals(15.0, metrics.get("genbus.usage.rows.dropped").counter().count());
    String scrape = metrics.scrape();
    assertTrue(scrape.contains("genbus_usage_rows_dropped_total 15.0"), scrape);
    assertTrue(scrape.contains("genbus_usage_rows_buffered 10.0"), scrape);
    Db.await(store.stop(300)); // bounded: the rows that cannot be written are given up (and logged)
    assertEquals(10, store.buffered());
  }
}

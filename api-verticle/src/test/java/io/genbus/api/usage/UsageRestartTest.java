package io.genbus.api.usage;

import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.config.DbConfig;
import io.genbus.testing.PostgresServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The promise: nothing is dropped when the database restarts for under a minute at 100 jobs/s. Rows are
 * fed at 100 a second for 35 s (3,500 rows, with the default db settings); the server is stopped
 * ({@code pg_ctl stop -m fast}, which cuts the pool's connections) once 5 s of rows were fed and started again
 * after 20 s more of them: the outage is scripted by the rows fed, the rest waits on conditions.
 */
@DisplayName("a PostgreSQL restart under load")
class UsageRestartTest {

  static final int PER_SECOND = 100;
  static final int TOTAL = 35 * PER_SECOND;
  static final int OUTAGE_FROM = 5 * PER_SECOND;
  static final int OUTAGE_TO = 25 * PER_SECOND;

  static PostgresServer postgres;
  static Vertx vertx;

  @BeforeAll
  static void start() {
    postgres = PostgresServer.launch();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    if (vertx != null) {
      Db.await(vertx.close());
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  @DisplayName("3,500 rows at 100/s with a 20-s outage in the middle: every row is in the table, none dropped")
  void restart() {
    DbConfig db = Db.fresh(postgres, "");
    Migrations.migrate(db);
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Pool pool = Usage.pool(vertx, db);
    PgUsageStore store = new PgUsageStore(vertx.getOrCreateContext(), pool, db, metrics);
    store.start();
    AtomicInteger fed = new AtomicInteger();
    long t0 = System.currentTimeMillis();
    long feeder = vertx.setPeriodic(100, id -> {
      for (int i = 0; i < PER_SECOND / 10 && fed.get() < TOTAL; i++) {
        int n = fed.getAndIncrement();
        store.record(PgUsageStoreTest.row("job-" + n, "job-" + n, "t" + n % 3, "m" + n % 2, 1, "done", t0 + n));
      }
    });
    try {
      eventually("5 s of rows fed, and written while the server is up",
          () -> fed.get() >= OUTAGE_FROM && Db.count(db, "SELECT count(*) FROM usage") > 0);

      postgres.stop();
      eventually("20 s of rows fed during the outage", () -> fed.get() >= OUTAGE_TO);
      int waiting = store.buffered();
      assertTrue(waiting >= OUTAGE_TO - OUTAGE_FROM - PER_SECOND, "the outage's rows wait in the buffer: " + waiting);
      postgres.start();

      eventually("all rows fed", () -> fed.get() == TOTAL);
      eventually("every row written after the restart", () -> Db.count(db, "SELECT count(*) FROM usage") == TOTAL);
      assertEquals(TOTAL, Db.count(db, "SELECT count(DISTINCT job_id) FROM usage"));
      assertEquals(TOTAL, (long) metrics.get("genbus.usage.rows.written").counter().count(), "each written once");
      assertEquals(0.0, metrics.get("genbus.usage.rows.dropped").counter().count());
      assertTrue(metrics.scrape().contains("genbus_usage_rows_dropped_total 0.0"));
      assertEquals(0, store.buffered());
    } finally {
      vertx.cancelTimer(feeder);
      Db.await(store.stop(5000));
      Db.await(pool.close());
    }
  }
}

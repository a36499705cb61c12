package io.genbus.api.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.genbus.config.DbConfig;
import io.genbus.testing.PostgresServer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the schema, migrated by Flyway on a real PostgreSQL")
class MigrationsTest {

  static final PostgresServer postgres = PostgresServer.shared();

  @Test
  @DisplayName("a fresh database gets every table and index; a second run changes nothing")
  void freshThenNoOp() {
    DbConfig db = Db.fresh(postgres, "");
    assertEquals(2, Migrations.migrate(db), "V1 and V2 applied");
    assertEquals(List.of(List.of("tenant_keys"), List.of("tenants"), List.of("usage")),
        Db.query(db, "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'"
            + " AND tablename <> 'flyway_schema_history' ORDER BY 1"));
    assertEquals(List.of(List.of("usage_ended_at"), List.of("usage_pkey"), List.of("usage_tenant_ended_at")),
        Db.query(db, "SELECT indexname::text FROM pg_indexes WHERE tablename = 'usage' AND indexname LIKE 'usage_%' ORDER BY 1"));
    assertEquals(0, Migrations.migrate(db), "nothing left to apply");
    assertEquals(2, Db.count(db, "SELECT count(*) FROM flyway_schema_history WHERE success"));
  }

  @Test
  @DisplayName("two nodes migrating the same fresh database at once: the scripts run once, both succeed")
  void concurrent() throws Exception {
    DbConfig db = Db.fresh(postgres, "");
    CyclicBarrier together = new CyclicBarrier(2);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      List<CompletableFuture<Integer>> runs = List.of(
          CompletableFuture.supplyAsync(() -> migrateWith(together, db), threads),
          CompletableFuture.supplyAsync(() -> migrateWith(together, db), threads));
      int applied = 0;
      for (CompletableFuture<Integer> run : runs) {
        applied += run.get(120, TimeUnit.SECONDS);
      }
      assertEquals(2, applied, "each script applied by exactly one of them");
      assertEquals(2, Db.count(db, "SELECT count(*) FROM flyway_schema_history WHERE success"));
      assertEquals(0, Db.count(db, "SELECT count(*) FROM usage"), "the table is there, and empty");
    } finally {
      threads.shutdownNow();
    }
  }

  private static int migrateWith(CyclicBarrier together, DbConfig db) {
    try {
      together.await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return Migrations.migrate(db);
  }
}

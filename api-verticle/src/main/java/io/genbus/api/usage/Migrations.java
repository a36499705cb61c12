package io.genbus.api.usage;

import io.genbus.config.DbConfig;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The database schema, created and migrated by Flyway from {@code db/migration} on the classpath
 * ({@code V1__usage.sql}, {@code V2__tenants.sql}, …). Blocking (JDBC): run it on a worker thread. Several
 * API nodes starting at once are safe: Flyway holds a PostgreSQL advisory lock while it migrates, so one
 * node applies the scripts and the others find them applied.
 */
public final class Migrations {

  static final String LOCATION = "classpath:db/migration";

  private Migrations() {
  }

  /** Migrates the database of {@code db} to the latest version; returns how many scripts were applied. */
  public static int migrate(DbConfig db) {
    DbConfig.Target target = db.target();
    MigrateResult result = Flyway.configure(Migrations.class.getClassLoader())
        .dataSource(target.jdbcUrl(), target.user(), target.password())
        .locations(LOCATION)
        .connectRetries(3) // a database that is just starting: about 7 s, then the node fails to start
        .load()
        .migrate();
    return result.migrationsExecuted;
  }
}

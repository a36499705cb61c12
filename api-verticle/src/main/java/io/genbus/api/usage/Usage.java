package io.genbus.api.usage;

import com.hazelcast.core.HazelcastInstance;
import io.genbus.api.tenants.TenantStore;
import io.genbus.config.DbConfig;
import io.genbus.protocol.Addresses;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage on one API node, wired: where finished jobs go ({@link #sink()}), where {@code /v1/usage} reads
 * ({@link #query()}), the cluster's hourly totals for the status page ({@link #cluster()}) and, with a database,
 * the runtime tenants ({@link #tenantStore()}). With {@code db.url} the schema is migrated (Flyway, on a worker
 * thread) before the node serves, rows go to PostgreSQL and to the hourly totals, and {@code /v1/usage} is
 * answered from SQL; without it, from the hourly totals in cluster memory.
 */
public final class Usage {

  private static final Logger LOG = LoggerFactory.getLogger(Usage.class);
  /** How long a stopping node tries to write the rows it still holds. */
  static final long LAST_FLUSH_MS = 5000;

  private final ClusterUsage cluster;
  private final PgUsageStore store;
  private final Pool pool;
  private final UsageSink sink;
  private final UsageQuery query;
  private final TenantStore tenants;

  private Usage(ClusterUsage cluster, PgUsageStore store, Pool pool) {
    this.cluster = cluster;
    this.store = store;
    this.pool = pool;
    if (store == null) {
      this.sink = cluster;
      this.query = cluster;
      this.tenants = null;
    } else {
      this.sink = row -> {
        store.record(row);
        cluster.record(row);
      };
      this.query = new PgUsageQuery(pool);
      this.tenants = new TenantStore(pool);
    }
  }

  /**
   * Starts usage on the current context (the API verticle's): fails when the database's schema cannot be
   * migrated (unreachable, wrong password), so a node never runs believing history is kept when it is not.
   */
  public static Future<Usage> start(Vertx vertx, HazelcastInstance hazelcast, DbConfig db, MeterRegistry metrics) {
    Context context = vertx.getOrCreateContext();
    // Getting a map's proxy the first time may ask the other members: off the event loop.
    return vertx.executeBlocking(() -> hazelcast.<String, long[]>getMap(Addresses.USAGE_HOURLY_MAP), false).compose(map -> {
      ClusterUsage cluster = new ClusterUsage(context, map);
      cluster.start();
      if (!db.enabled()) {
        LOG.info("usage history: not kept (no db.url); hourly totals in cluster memory for the status page and /v1/usage");
        return Future.succeededFuture(new Usage(cluster, null, null));
      }
      return vertx.executeBlocking(() -> Migrations.migrate(db), false)
          .map(applied -> {
            Pool pool = pool(vertx, db);
            PgUsageStore store = new PgUsageStore(context, pool, db, metrics);
            store.start();
            LOG.info("usage history: PostgreSQL at {} (schema up to date{}; batches of {} rows every {} ms, up to {}"
                    + " rows kept while it is unreachable)", db.maskedUrl(),
                applied == 0 ? "" : ", " + applied + " migrations applied", db.batchRows(), db.flushMillis(),
                db.bufferRows());
            return new Usage(cluster, store, pool);
          })
          .recover(e -> {
            cluster.stop();
            // Flyway's message names the JDBC URL, never the password; ours names the masked URL.
            return Future.failedFuture(new IllegalStateException("usage history: cannot migrate the database at "
                + db.maskedUrl() + ": " + e.getMessage(), e));
          });
    });
  }

  static Pool pool(Vertx vertx, DbConfig db) {
    DbConfig.Target target = db.target();
    PgConnectOptions options = new PgConnectOptions()
        .setHost(target.host())
        .setPort(target.port())
        .setDatabase(target.database())
        .setUser(target.user())
        .setPassword(target.password())
        // A statement the server sits on (locks, an overloaded disk) fails instead of holding a batch forever.
        .addProperty("statement_timeout", "30000")
        .addProperty("application_name", "genbus");
    switch (target.sslMode()) {
      case "require" -> options.setSslMode(SslMode.REQUIRE).setSslOptions(new ClientSSLOptions().setTrustAll(true));
      case "verify-full" -> options.setSslMode(SslMode.VERIFY_FULL)
          .setSslOptions(new ClientSSLOptions().setHostnameVerificationAlgorithm("HTTPS"));
      default -> options.setSslMode(SslMode.DISABLE);
    }
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(db.poolSize()).setMaxWaitQueueSize(10_000))
        .connectingTo(options)
        .using(vertx)
        .build();
  }

  public UsageSink sink() {
    return sink;
  }

  public UsageQuery query() {
    return query;
  }

  /** The cluster's hourly totals (kept with or without a database). */
  public ClusterUsage cluster() {
    return cluster;
  }

  /** Runtime tenants in PostgreSQL, or null without {@code db.url}. */
  public TenantStore tenantStore() {
    return tenants;
  }

  /** Whether history is kept in a database. */
  public boolean persistent() {
    return store != null;
  }

  /** Merges the last counts and writes the last rows (bounded), then closes the pool. */
  public Future<Void> close() {
    Future<Void> rows = store == null ? Future.succeededFuture() : store.stop(LAST_FLUSH_MS);
    return Future.join(rows, cluster.stop())
        .compose(v -> pool == null ? Future.succeededFuture() : pool.close())
        .mapEmpty();
  }
}

package io.genbus.api.usage;

import io.genbus.config.ConfigLoader;
import io.genbus.config.DbConfig;
import io.genbus.testing.PostgresServer;
import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Test helpers around a {@link PostgresServer}: fresh databases, a {@code db} section for them, and plain JDBC reads. */
final class Db {

  private Db() {
  }

  /** A new empty database of {@code server}, and the {@code db} section pointing at it (plus {@code yaml}). */
  static DbConfig fresh(PostgresServer server, String yaml) {
    return new ConfigLoader(Map.of()).dbFromText("url: " + server.url(server.freshDatabase()) + "\n" + yaml);
  }

  /** The rows of a query, each as a list of its columns' values (as JDBC reads them). */
  static List<List<Object>> query(DbConfig db, String sql) {
    DbConfig.Target t = db.target();
    try (Connection c = DriverManager.getConnection(t.jdbcUrl(), t.user(), t.password());
         Statement s = c.createStatement();
         ResultSet rs = s.executeQuery(sql)) {
      List<List<Object>> rows = new ArrayList<>();
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<Object> row = new ArrayList<>(columns);
        for (int i = 1; i <= columns; i++) {
          row.add(rs.getObject(i));
        }
        rows.add(row);
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code SELECT count(*) …}. */
  static long count(DbConfig db, String sql) {
    return ((Number) query(db, sql).get(0).get(0)).longValue();
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.genbus.api.usage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /v1/usage} from the usage table: one {@code GROUP BY} over the jobs that ended in the range (the
 * {@code (ended_at)} and {@code (tenant, ended_at)} indexes serve it). A day is a UTC date; "requests" are
 * the rows whose job is the first of its request ({@code job_id = request_id}).
 */
public final class PgUsageQuery implements UsageQuery {

  private final Pool pool;

  public PgUsageQuery(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<List<Bucket>> totals(long fromMs, long toMs, GroupBy groupBy, String tenant) {
    String key = switch (groupBy) {
      case MODEL -> "model";
      case TENANT -> "tenant";
      case DAY -> "to_char(ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
    };
    String sql = "SELECT " + key + " AS key,"
        + " count(*) FILTER (WHERE job_id = request_id) AS requests,"
        + " count(*) AS jobs,"
        + " coalesce(sum(n), 0) AS images,"
        + " count(*) FILTER (WHERE status = 'error') AS failed"
        + " FROM usage WHERE ended_at >= $1 AND ended_at < $2"
        + (tenant == null ? "" : " AND tenant = $3")
        + " GROUP BY 1 ORDER BY 1";
    Tuple args = Tuple.of(PgUsageStore.time(fromMs), PgUsageStore.time(toMs));
    if (tenant != null) {
      args.addString(tenant);
    }
    return pool.preparedQuery(sql).execute(args).map(rows -> {
      List<Bucket> buckets = new ArrayList<>(rows.size());
      for (Row row : rows) {
        buckets.add(new Bucket(row.getString("key"), row.getLong("requests"), row.getLong("jobs"),
            row.getLong("images"), row.getLong("failed")));
      }
      return buckets;
    });
  }
}

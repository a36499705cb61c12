package io.genbus.api.usage;

import io.vertx.core.Future;
import java.util.List;

/** Reads usage totals for {@code GET /v1/usage}: from PostgreSQL with {@code db.url}, else the cluster's. */
public interface UsageQuery {

  /** How totals are grouped. */
  enum GroupBy { MODEL, DAY, TENANT }

  /**
   * One group's totals. {@code key} is the model, the UTC day ({@code 2026-12-01}) or the tenant;
   * {@code requests} counts distinct requests, {@code images} the images delivered, {@code jobs} the jobs
   * and {@code failed} those that ended in an error.
   */
  record Bucket(String key, long requests, long jobs, long images, long failed) {
  }

  /** Totals of jobs ended in [{@code fromMs}, {@code toMs}); {@code tenant} null = every tenant (admin). */
  Future<List<Bucket>> totals(long fromMs, long toMs, GroupBy groupBy, String tenant);
}

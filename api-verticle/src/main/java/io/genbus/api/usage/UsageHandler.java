package io.genbus.api.usage;

import io.genbus.api.auth.Caller;
import io.genbus.api.errors.ApiException;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/usage?from=&to=&group_by=model|day|tenant}: usage totals of the jobs that ended in [from, to),
 * from PostgreSQL with {@code db.url}, else from the cluster's hourly totals (whole hours). {@code from} and
 * {@code to} are epoch seconds, ISO-8601 instants ({@code 2026-12-01T10:00:00Z}) or UTC dates ({@code 2026-12-01}:
 * as {@code from} the day's start, as {@code to} its end); by default the last 24 hours, at most 366 days.
 * A caller sees its own tenant's usage; an admin key sees every tenant's.
 *
 * <p>{@code GET /v1/status/usage}: the status page's usage view, from the hourly totals: images per hour over the
 * last 24 hours by model and by tenant, and the top tenants (the caller's own tenant only, unless admin).
 */
public final class UsageHandler {

  static final long DAY_MS = TimeUnit.DAYS.toMillis(1);
  static final long MAX_RANGE_MS = 366 * DAY_MS;
  static final int CHART_HOURS = 24;
  static final int TOP_TENANTS = 10;

  private final UsageQuery query;
  private final ClusterUsage cluster;
  private final boolean persistent;

  public UsageHandler(Usage usage) {
    this.query = usage.query();
    this.cluster = usage.cluster();
    this.persistent = usage.persistent();
  }

  public void usage(RoutingContext ctx) {
    long now = System.currentTimeMillis();
    Long from = time(ctx, "from", false);
    Long to = time(ctx, "to", true);
    long toMs = to == null ? now : to;
    long fromMs = from == null ? toMs - DAY_MS : from;
    if (toMs <= fromMs) {
      throw new ApiException(ErrorCode.INVALID_VALUE, "to", "to", "must be after from");
    }
    if (toMs - fromMs > MAX_RANGE_MS) {
      throw new ApiException(ErrorCode.INVALID_VALUE, "from", "from", "the range is at most 366 days");
    }
    UsageQuery.GroupBy groupBy = groupBy(ctx.queryParams().get("group_by"));
    Caller caller = Caller.of(ctx);
    String tenant = caller.admin() ? null : caller.tenant();
    query.totals(fromMs, toMs, groupBy, tenant)
        .onSuccess(buckets -> json(ctx, new JsonObject()
            .put("object", "list")
            .put("group_by", groupBy.name().toLowerCase(Locale.ROOT))
            .put("from", fromMs / 1000)
            .put("to", toMs / 1000)
            .put("tenant", tenant)
            .put("source", persistent ? "database" : "cluster_hourly")
            .put("data", new JsonArray(buckets.stream().map(UsageHandler::bucket).toList()))
            .put("total", totals(buckets))))
        .onFailure(e -> ctx.fail(new ApiException(ErrorCode.USAGE_UNAVAILABLE, null)));
  }

  /** The status page's usage view. */
  public void status(RoutingContext ctx) {
    long now = System.currentTimeMillis();
    long firstHour = Math.floorDiv(now, ClusterUsage.HOUR_MS) - (CHART_HOURS - 1);
    long fromMs = firstHour * ClusterUsage.HOUR_MS;
    Caller caller = Caller.of(ctx);
    String tenant = caller.admin() ? null : caller.tenant();
    cluster.hours(fromMs, now + 1)
        .map(hours -> hours.stream().filter(h -> tenant == null || tenant.equals(h.tenant())).toList())
        .onSuccess(hours -> {
          JsonArray starts = new JsonArray();
          for (int i = 0; i < CHART_HOURS; i++) {
            starts.add(fromMs + i * ClusterUsage.HOUR_MS);
          }
          List<UsageQuery.Bucket> top = new ArrayList<>(ClusterUsage.sum(hours, ClusterUsage.Hour::tenant));
          top.sort(Comparator.comparingLong(UsageQuery.Bucket::images).thenComparingLong(UsageQuery.Bucket::jobs)
              .reversed());
          json(ctx, new JsonObject()
              .put("time", now)
              .put("hourMs", ClusterUsage.HOUR_MS)
              .put("hours", starts)
              .put("byModel", perHour(hours, fromMs, true))
              .put("byTenant", perHour(hours, fromMs, false))
              .put("topTenants", new JsonArray(top.stream().limit(TOP_TENANTS).map(UsageHandler::bucket).toList()))
              .put("persistent", persistent));
        })
        .onFailure(ctx::fail);
  }

  /** Images per hour of each model (or tenant): one array of {@link #CHART_HOURS} numbers each. */
  private static JsonObject perHour(List<ClusterUsage.Hour> hours, long fromMs, boolean byModel) {
    Map<String, long[]> series = new TreeMap<>();
    for (ClusterUsage.Hour h : hours) {
      int i = (int) ((h.startMs() - fromMs) / ClusterUsage.HOUR_MS);
      if (i >= 0 && i < CHART_HOURS) {
        series.computeIfAbsent(byModel ? h.model() : h.tenant(), k -> new long[CHART_HOURS])[i] += h.images();
      }
    }
    Map<String, Object> json = new LinkedHashMap<>();
    series.forEach((k, v) -> json.put(k, new JsonArray(Arrays.stream(v).boxed().toList())));
    return new JsonObject(json);
  }

  private static JsonObject bucket(UsageQuery.Bucket b) {
    return counts(new JsonObject().put("key", b.key()), b.requests(), b.jobs(), b.images(), b.failed());
  }

  private static JsonObject totals(List<UsageQuery.Bucket> buckets) {
    return counts(new JsonObject(), buckets.stream().mapToLong(UsageQuery.Bucket::requests).sum(),
        buckets.stream().mapToLong(UsageQuery.Bucket::jobs).sum(), buckets.stream().mapToLong(UsageQuery.Bucket::images).sum(),
        buckets.stream().mapToLong(UsageQuery.Bucket::failed).sum());
  }

  private static JsonObject counts(JsonObject json, long requests, long jobs, long images, long failed) {
    return json.put("requests", requests).put("jobs", jobs).put("images", images).put("failed", failed);
  }

  private static UsageQuery.GroupBy groupBy(String value) {
    if (value == null || value.isEmpty()) {
      return UsageQuery.GroupBy.DAY;
    }
    for (UsageQuery.GroupBy g : UsageQuery.GroupBy.values()) {
      if (g.name().equalsIgnoreCase(value)) {
        return g;
      }
    }
    throw new ApiException(ErrorCode.INVALID_VALUE, "group_by", "group_by", "expected model, day or tenant");
  }

  /**
   * A time parameter in epoch millis, or null when absent: epoch seconds, an ISO-8601 instant or offset date-time,
   * or a UTC date (its start, or with {@code endOfDay} its end).
   */
  static Long time(RoutingContext ctx, String param, boolean endOfDay) {
    String value = ctx.queryParams().get(param);
    if (value == null || value.isBlank()) {
      return null;
    }
    value = value.trim();
    try {
      if (value.matches("\\d{1,12}")) {
        return Long.parseLong(value) * 1000;
      }
      if (value.length() == 10) {
        LocalDate day = LocalDate.parse(value);
        return day.plusDays(endOfDay ? 1 : 0).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      }
      try {
        return Instant.parse(value).toEpochMilli();
      } catch (DateTimeParseException e) {
        return OffsetDateTime.parse(value).toInstant().toEpochMilli();
      }
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new ApiException(ErrorCode.INVALID_VALUE, param, param,
          "expected epoch seconds, an ISO-8601 instant (2026-12-01T10:00:00Z) or a date (2026-12-01)");
    }
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
  }
}

package io.genbus.api.usage;

import static io.genbus.protocol.UsageDelta.FAILED;
import static io.genbus.protocol.UsageDelta.IMAGES;
import static io.genbus.protocol.UsageDelta.JOBS;
import static io.genbus.protocol.UsageDelta.REQUESTS;

import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import io.genbus.cluster.HazelcastFutures;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.UsageDelta;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Hourly usage totals of the whole cluster, in the Hazelcast map {@link Addresses#USAGE_HOURLY_MAP}: the status
 * page's chart, and {@code /v1/usage} when there is no database. {@link #record} only adds to this node's own
 * counters (no remote call per job); once a second each changed {@code hour|tenant|model} entry gets this node's
 * delta through a {@link UsageDelta} entry processor, which adds on the member that owns the entry, so nodes never
 * overwrite each other. A delta that could not be merged is kept for the next round. Entries expire 8 days after
 * their last change.
 */
public final class ClusterUsage implements UsageSink, UsageQuery {

  static final long HOUR_MS = TimeUnit.HOURS.toMillis(1);
  static final long MERGE_EVERY_MS = 1000;
  static final long LAST_MERGE_MS = 2000;

  /** One entry of the map: an hour's counters of a tenant and a model. */
  public record Hour(long startMs, String tenant, String model, long requests, long jobs, long images, long failed) {
  }

  private final IMap<String, long[]> map;
  private final Context context;
  /** This node's counts not yet merged; guarded by itself (record() comes from any event loop). */
  private final Map<String, long[]> pending = new HashMap<>();
  private long timer = -1;

  public ClusterUsage(Context context, IMap<String, long[]> map) {
    this.context = context;
    this.map = map;
  }

  public void start() {
    context.runOnContext(v -> timer = context.owner().setPeriodic(MERGE_EVERY_MS, id -> merge()));
  }

  /** Stops merging every second, after one last merge of what is pending. */
  public Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      if (timer >= 0) {
        context.owner().cancelTimer(timer);
        timer = -1;
      }
      // bounded: a cluster that is going away must not hold up the node's stop
      merge().timeout(LAST_MERGE_MS, TimeUnit.MILLISECONDS).onComplete(ar -> done.complete());
    });
    return done.future();
  }

  @Override
  public void record(UsageRow row) {
    String key = key(row.endedAt() / HOUR_MS, orDefault(row.tenant(), "default").replace('|', '_'), orDefault(row.model(), "unknown"));
    long[] delta = new long[UsageDelta.SIZE];
    delta[REQUESTS] = row.jobId() != null && row.jobId().equals(row.requestId()) ? 1 : 0;
    delta[JOBS] = 1;
    delta[IMAGES] = Math.max(0, row.n());
    delta[FAILED] = "error".equals(row.status()) ? 1 : 0;
    add(key, delta);
  }

  private void add(String key, long[] delta) {
    synchronized (pending) {
      long[] counts = pending.computeIfAbsent(key, k -> new long[UsageDelta.SIZE]);
      for (int i = 0; i < UsageDelta.SIZE; i++) {
        counts[i] += delta[i];
      }
    }
  }

  /** Sends this node's pending counts to the cluster map; completes when every entry took its delta (or failed). */
  public Future<Void> merge() {
    Map<String, long[]> deltas;
    synchronized (pending) {
      if (pending.isEmpty()) {
        return Future.succeededFuture();
      }
      deltas = new HashMap<>(pending);
      pending.clear();
    }
    List<Future<Void>> merged = new ArrayList<>(deltas.size());
    deltas.forEach((key, delta) -> merged.add(
        HazelcastFutures.of(map.submitToKey(key, new UsageDelta(delta)), context)
            .recover(e -> {
              add(key, delta); // the member owning it left, or the cluster is re-forming: next round
              return Future.succeededFuture();
            })));
    return Future.join(merged).mapEmpty();
  }

  /** Every hour's entry that overlaps [{@code fromMs}, {@code toMs}), of every tenant and model. */
  public Future<List<Hour>> hours(long fromMs, long toMs) {
    long first = Math.floorDiv(fromMs, HOUR_MS);
    long last = Math.floorDiv(toMs - 1, HOUR_MS);
    Predicate<String, long[]> range = Predicates.and(
        Predicates.greaterEqual("__key", hourPrefix(first)),
        Predicates.lessThan("__key", hourPrefix(last + 1)));
    // entrySet(predicate) is a blocking call that asks every member
    return context.owner().executeBlocking(() -> {
      List<Hour> hours = new ArrayList<>();
      for (Map.Entry<String, long[]> e : map.entrySet(range)) {
        Hour hour = parse(e.getKey(), e.getValue());
        if (hour != null) {
          hours.add(hour);
        }
      }
      return hours;
    }, false);
  }

  /**
   * Totals by whole UTC hours: an hour counts when it overlaps [{@code fromMs}, {@code toMs}) (without a
   * database, history is kept by the hour).
   */
  @Override
  public Future<List<Bucket>> totals(long fromMs, long toMs, GroupBy groupBy, String tenant) {
    Function<Hour, String> key = switch (groupBy) {
      case MODEL -> Hour::model;
      case TENANT -> Hour::tenant;
      case DAY -> h -> Instant.ofEpochMilli(h.startMs()).atOffset(ZoneOffset.UTC).toLocalDate().toString();
    };
    return hours(fromMs, toMs).map(hours -> sum(hours.stream().filter(h -> tenant == null || tenant.equals(h.tenant()))
        .toList(), key));
  }

  /** The hours summed by {@code key}, in key order. */
  public static List<Bucket> sum(Collection<Hour> hours, Function<Hour, String> key) {
    Map<String, long[]> sums = new TreeMap<>();
    for (Hour h : hours) {
      long[] s = sums.computeIfAbsent(key.apply(h), k -> new long[UsageDelta.SIZE]);
      s[REQUESTS] += h.requests();
      s[JOBS] += h.jobs();
      s[IMAGES] += h.images();
      s[FAILED] += h.failed();
    }
    List<Bucket> buckets = new ArrayList<>(sums.size());
    sums.forEach((k, s) -> buckets.add(new Bucket(k, s[REQUESTS], s[JOBS], s[IMAGES], s[FAILED])));
    return buckets;
  }

  /** {@code 0000493845|tenant|model}: the hour zero-padded, so that keys sort by time. */
  static String key(long hour, String tenant, String model) {
    return hourPrefix(hour) + tenant + "|" + model;
  }

  /** Zero-padded to 10 digits, so that keys sort by hour (without String.format: this runs for every job). */
  static String hourPrefix(long hour) {
    String digits = Long.toString(hour);
    return "0".repeat(Math.max(0, 10 - digits.length())) + digits + "|";
  }

  /** An entry back as an {@link Hour}; null for a key or value of another shape. */
  static Hour parse(String key, long[] counts) {
    int first = key.indexOf('|');
    int second = first < 0 ? -1 : key.indexOf('|', first + 1);
    if (second < 0 || counts == null || counts.length != UsageDelta.SIZE) {
      return null;
    }
    try {
      long hour = Long.parseLong(key.substring(0, first));
      return new Hour(hour * HOUR_MS, key.substring(first + 1, second), key.substring(second + 1),
          counts[REQUESTS], counts[JOBS], counts[IMAGES], counts[FAILED]);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isEmpty() ? fallback : value;
  }
}

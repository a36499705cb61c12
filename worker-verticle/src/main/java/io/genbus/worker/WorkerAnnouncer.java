package io.genbus.worker;

import io.genbus.cluster.ClusterSeal;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.WorkerInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.shareddata.AsyncMap;
import java.util.List;

/**
 * Keeps this node's backends listed in the cluster-wide {@link Addresses#WORKERS_MAP}. Each entry has a TTL
 * that {@link #refresh()} renews, so a crashed node's entries vanish by themselves; a clean stop removes
 * them at once. Every change is published on {@link Addresses#WORKERS_CHANGED} so API nodes update their
 * model list without waiting for their next poll. Entries are sealed ({@link ClusterSeal}): API nodes believe
 * only announcements made with the cluster's secret, so a stranger in the Hazelcast cluster cannot redirect jobs.
 */
public final class WorkerAnnouncer {

  /** Entries live this long unless renewed. */
  static final long TTL_MS = 15_000;
  /** Renewal period: well inside the TTL, so a busy moment never lets an entry lapse. */
  static final long REFRESH_MS = 5_000;

  private final Vertx vertx;
  private final List<WorkerInfo> workers;
  private final ClusterSeal seal;
  private AsyncMap<String, Buffer> map;

  public WorkerAnnouncer(Vertx vertx, List<WorkerInfo> workers, ClusterSeal seal) {
    this.vertx = vertx;
    this.workers = List.copyOf(workers);
    this.seal = seal;
  }

  public Future<Void> announce() {
    return vertx.sharedData().<String, Buffer>getAsyncMap(Addresses.WORKERS_MAP)
        .compose(m -> {
          map = m;
          return refresh();
        })
        .onSuccess(v -> vertx.eventBus().publish(Addresses.WORKERS_CHANGED, "joined"));
  }

  public Future<Void> refresh() {
    return Future.all(workers.stream()
            .map(w -> map.put(w.workerId(), seal.seal(Addresses.WORKERS_MAP, w.workerId(), w.toJson()), TTL_MS))
            .toList())
        .mapEmpty();
  }

  public Future<Void> withdraw() {
    if (map == null) {
      return Future.succeededFuture();
    }
    return Future.all(workers.stream().map(w -> map.remove(w.workerId())).toList())
        .onComplete(ar -> vertx.eventBus().publish(Addresses.WORKERS_CHANGED, "left"))
        .mapEmpty();
  }
}

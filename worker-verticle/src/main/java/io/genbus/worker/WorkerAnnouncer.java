package io.genbus.worker;

import io.genbus.protocol.Addresses;
import io.genbus.protocol.WorkerInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.List;

/**
 * Keeps this node's backends listed in the cluster-wide {@link Addresses#WORKERS_MAP}. Each entry has a TTL
 * that {@link #refresh()} renews, so a crashed node's entries vanish by themselves; a clean stop removes
 * them at once. Every change is published on {@link Addresses#WORKERS_CHANGED} so API nodes update their
 * model list without waiting for their next poll.
 */
public final class WorkerAnnouncer {

  /** Entries live this long unless renewed. */
  static final long TTL_MS = 15_000;
  /** Renewal period: well inside the TTL, so a busy moment never lets an entry lapse. */
  static final long REFRESH_MS = 5_000;

  private final Vertx vertx;
  private final List<WorkerInfo> workers;
  private AsyncMap<String, JsonObject> map;

  public WorkerAnnouncer(Vertx vertx, List<WorkerInfo> workers) {
    this.vertx = vertx;
    this.workers = List.copyOf(workers);
  }

  public Future<Void> announce() {
    return vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.WORKERS_MAP)
        .compose(m -> {
          map = m;
          return refresh();
        })
        .onSuccess(v -> vertx.eventBus().publish(Addresses.WORKERS_CHANGED, "joined"));
  }

  public Future<Void> refresh() {
    return Future.all(workers.stream()
            .map(w -> map.put(w.workerId(), JsonObject.mapFrom(w), TTL_MS))
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

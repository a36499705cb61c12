package io.genbus.api.jobs;

import io.genbus.protocol.Addresses;
import io.genbus.protocol.WorkerInfo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This API node's view of the live workers and the models they serve. Built from the workers' entries in
 * {@link Addresses#WORKERS_MAP}, keeping only those whose node is still a cluster member (Hazelcast's
 * membership). Refreshed when a worker publishes {@link Addresses#WORKERS_CHANGED}, and every
 * {@link #POLL_MS} as a safety net for crashed nodes.
 *
 * <p>Confined to the API verticle's event loop.
 */
public final class WorkerDirectory {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerDirectory.class);
  static final long POLL_MS = 2_000;

  private final Vertx vertx;
  private final Supplier<Collection<String>> liveNodes;
  private final Map<String, Long> firstSeen = new HashMap<>();
  private Map<String, List<WorkerInfo>> byModel = Map.of();
  private AsyncMap<String, JsonObject> map;
  private Promise<Void> refreshing;
  private boolean refreshAgain;
  private long timer;

  public WorkerDirectory(Vertx vertx, Supplier<Collection<String>> liveNodes) {
    this.vertx = vertx;
    this.liveNodes = liveNodes;
  }

  public Future<Void> start() {
    return vertx.sharedData().<String, JsonObject>getAsyncMap(Addresses.WORKERS_MAP)
        .compose(m -> {
          map = m;
          return vertx.eventBus().consumer(Addresses.WORKERS_CHANGED, msg -> refresh()).completion();
        })
        .compose(v -> refresh())
        .onSuccess(v -> timer = vertx.setPeriodic(POLL_MS, id -> refresh()));
  }

  public void stop() {
    vertx.cancelTimer(timer);
  }

  /** The models served now, sorted, each with the epoch second it was first seen. */
  public Map<String, Long> models() {
    Map<String, Long> models = new TreeMap<>();
    byModel.keySet().forEach(m -> models.put(m, firstSeen.get(m)));
    return models;
  }

  public boolean serves(String model) {
    return byModel.containsKey(model);
  }

  public List<WorkerInfo> workers(String model) {
    return byModel.getOrDefault(model, List.of());
  }

  /** Like {@link #serves}, but an unknown model triggers a refresh first: a worker may have just joined. */
  public Future<Boolean> servesFresh(String model) {
    return serves(model) ? Future.succeededFuture(true) : refresh().map(v -> serves(model));
  }

  /** Reloads the directory; calls made during a reload share one extra reload after it. */
  public Future<Void> refresh() {
    if (refreshing != null) {
      refreshAgain = true;
      return refreshing.future();
    }
    refreshing = Promise.promise();
    Promise<Void> current = refreshing;
    map.values()
        .onSuccess(this::rebuild)
        .onFailure(err -> LOG.warn("could not read the worker list: {}", err.toString()))
        .onComplete(ar -> {
          refreshing = null;
          if (refreshAgain) {
            refreshAgain = false;
            refresh().onComplete(current);
          } else {
            current.complete();
          }
        });
    return current.future();
  }

  private void rebuild(List<JsonObject> entries) {
    Set<String> members = new HashSet<>(liveNodes.get());
    Map<String, List<WorkerInfo>> next = new HashMap<>();
    for (JsonObject entry : entries) {
      WorkerInfo worker = entry.mapTo(WorkerInfo.class);
      if (!members.contains(worker.nodeId())) {
        continue; // its node left or crashed; the entry's TTL will clear it
      }
      for (String model : worker.models()) {
        next.computeIfAbsent(model, m -> new java.util.ArrayList<>()).add(worker);
      }
    }
    long now = System.currentTimeMillis() / 1000;
    next.keySet().forEach(m -> firstSeen.putIfAbsent(m, now));
    firstSeen.keySet().retainAll(next.keySet());
    if (!next.keySet().equals(byModel.keySet())) {
      LOG.info("models served now: {}", new TreeMap<>(next).keySet());
    }
    byModel = next;
  }
}

package io.genbus.api.jobs;

import io.genbus.cluster.ClusterSeal;
import io.genbus.cluster.Membership;
import io.genbus.config.DispatchStrategy;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.WorkerInfo;
import io.genbus.protocol.WorkerLoad;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This API node's view of the live worker backends, the models they serve and their free slots.
 *
 * <p>Who exists comes from the workers' entries in {@link Addresses#WORKERS_MAP}, kept only while their node
 * is a Hazelcast member; it is re-read when a worker publishes {@link Addresses#WORKERS_CHANGED}, when a
 * member leaves, and every {@link #POLL_MS}. How busy each is comes from {@link WorkerLoad} messages. It
 * tells {@code onCapacity} the models that may have gained a free slot, so their queues can move.
 *
 * <p>Any Hazelcast member can write the map, so an entry counts only if it opens with the cluster's
 * {@link ClusterSeal} and is a sane announcement of its own key; anything else (a stranger's forgery, garbage,
 * a value this node cannot even deserialize) is ignored and counted, and never hides the other workers.
 *
 * <p>Confined to the API verticle's event loop.
 */
public final class WorkerDirectory {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerDirectory.class);
  static final long POLL_MS = 2_000;
  private static final long READ_WARNING_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Vertx vertx;
  private final Membership membership;
  private final DispatchStrategy strategy;
  private final ClusterSeal seal;
  private final Map<String, Long> firstSeen = new HashMap<>();
  private final Map<String, Integer> roundRobin = new HashMap<>();
  private Map<String, WorkerBackend> workers = new LinkedHashMap<>();
  private Map<String, List<WorkerBackend>> byModel = Map.of();
  /** The worker ids last told to {@code onWorkersChanged}. */
  private Set<String> listed = Set.of();
  private Consumer<String> onCapacity = model -> { };
  private Consumer<Collection<WorkerBackend>> onWorkersChanged = workers -> { };
  private AsyncMap<Object, Object> map;
  private Promise<Void> refreshing;
  private boolean refreshAgain;
  private long timer;
  private long lastReadWarning = System.nanoTime() - READ_WARNING_EVERY_NANOS;

  public WorkerDirectory(Vertx vertx, Membership membership, DispatchStrategy strategy, ClusterSeal seal) {
    this.vertx = vertx;
    this.membership = membership;
    this.strategy = strategy;
    this.seal = seal;
  }

  /** Called with a model whenever one of its workers may have a free slot (joined, or reported less load). */
  public void onCapacity(Consumer<String> listener) {
    this.onCapacity = listener;
  }

  /** Called with every worker backend whenever the set of workers changes (one joined, left or was forgotten). */
  public void onWorkersChanged(Consumer<Collection<WorkerBackend>> listener) {
    this.onWorkersChanged = listener;
  }

  public Future<Void> start() {
    return vertx.sharedData().getAsyncMap(Addresses.WORKERS_MAP)
        .compose(m -> {
          map = m;
          return Future.all(
              vertx.eventBus().consumer(Addresses.WORKERS_CHANGED, msg -> refresh()).completion(),
              vertx.eventBus().<WorkerLoad>consumer(Addresses.WORKERS_LOAD, msg -> onLoad(msg.body())).completion());
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

  public Collection<WorkerBackend> allWorkers() {
    return workers.values();
  }

  public List<WorkerBackend> workers(String model) {
    return byModel.getOrDefault(model, List.of());
  }

  /** Like {@link #serves}, but an unknown model triggers a refresh first: a worker may have just joined. */
  public Future<Boolean> servesFresh(String model) {
    return serves(model) ? Future.succeededFuture(true) : refresh().map(v -> serves(model));
  }

  /**
   * Picks a worker of {@code model} with a free slot and reserves the slot, or returns null. Workers in
   * {@code avoid} (those that already failed this job) are passed over while any other worker exists; only
   * workers {@code able} to run the job (its image parameters) are considered.
   */
  public WorkerBackend pick(String model, Set<String> avoid, Predicate<WorkerInfo> able) {
    List<WorkerBackend> all = workers(model).stream().filter(w -> able.test(w.info())).toList();
    boolean othersExist = all.stream().anyMatch(w -> !avoid.contains(w.id()));
    List<WorkerBackend> candidates = all.stream()
        .filter(w -> w.free() > 0 && (!othersExist || !avoid.contains(w.id())))
        .toList();
    if (candidates.isEmpty()) {
      return null;
    }
    WorkerBackend chosen = switch (strategy) {
      case LEAST_BUSY -> candidates.stream()
          .min(Comparator.comparingDouble(WorkerBackend::load).thenComparingLong(WorkerBackend::lastUsed))
          .orElseThrow();
      case ROUND_ROBIN -> nextInTurn(model, all, candidates);
    };
    chosen.reserve(System.nanoTime());
    return chosen;
  }

  private WorkerBackend nextInTurn(String model, List<WorkerBackend> all, List<WorkerBackend> candidates) {
    int start = roundRobin.getOrDefault(model, 0);
    for (int i = 0; i < all.size(); i++) {
      WorkerBackend w = all.get((start + i) % all.size());
      if (candidates.contains(w)) {
        roundRobin.put(model, (start + i + 1) % all.size());
        return w;
      }
    }
    return candidates.get(0);
  }

  /** The worker took a job this node sent. */
  public void accepted(String workerId) {
    WorkerBackend w = workers.get(workerId);
    if (w != null) {
      w.accepted();
    }
  }

  /** A job of another API node runs on {@code workerId} and is this node's now: its slot counts as busy. Null if unknown. */
  public WorkerBackend adopt(String workerId) {
    WorkerBackend w = workers.get(workerId);
    if (w != null) {
      w.reserve(System.nanoTime());
      w.accepted();
    }
    return w;
  }

  /** A job this node sent got no acceptance (lost, or left before one came). */
  public void unreserve(String workerId) {
    WorkerBackend w = workers.get(workerId);
    if (w != null) {
      w.unreserve();
    }
  }

  /** A job of ours that ran on {@code workerId} ended: its slot is free again (until the worker says otherwise). */
  public void release(String workerId) {
    WorkerBackend w = workers.get(workerId);
    if (w != null) {
      w.release();
    }
  }

  /** The worker refused a job for lack of a slot: take it as full until it reports again. */
  public void markFull(String workerId) {
    WorkerBackend w = workers.get(workerId);
    if (w != null) {
      w.refused();
    }
  }

  /** The worker did not answer at all: forget it until the map says it is there. */
  public void forget(String workerId) {
    WorkerBackend gone = workers.remove(workerId);
    if (gone != null) {
      index();
    }
  }

  /** A member left: drop its workers at once, and re-read the map. */
  public void nodeLeft(String nodeId) {
    if (workers.values().removeIf(w -> w.info().nodeId().equals(nodeId))) {
      index();
    }
    refresh();
  }

  private void onLoad(WorkerLoad load) {
    WorkerBackend w = workers.get(load.workerId());
    if (w == null) {
      return; // not announced yet; the next refresh brings it
    }
    w.report(load.busy(), load.unanswered(), load.draining());
    if (w.free() > 0) {
      w.info().models().forEach(onCapacity);
    }
  }

  /** Reloads the directory; calls made during a reload share one extra reload after it. */
  public Future<Void> refresh() {
    if (map == null) {
      return Future.succeededFuture();
    }
    if (refreshing != null) {
      refreshAgain = true;
      return refreshing.future();
    }
    refreshing = Promise.promise();
    Promise<Void> current = refreshing;
    readEntries()
        .onSuccess(this::rebuild)
        .onFailure(this::readFailed)
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

  /**
   * The map's entries. One value this node cannot deserialize (a stranger's) fails a whole read, so then the
   * entries are read one by one and the unreadable ones left out.
   */
  private Future<Map<Object, Object>> readEntries() {
    return map.entries().recover(err -> map.keys().compose(keys -> {
      Map<Object, Object> read = new LinkedHashMap<>();
      List<Future<Object>> gets = keys.stream()
          .map(key -> map.get(key)
              .onSuccess(value -> read.put(key, value))
              .onFailure(e -> seal.reject(Addresses.WORKERS_MAP, String.valueOf(key), "unreadable: " + e)))
          .toList();
      return Future.join(gets).transform(ar -> Future.succeededFuture(read));
    }));
  }

  /** Keeps the last good view; warns at most once a minute (a broken map would otherwise warn every poll). */
  private void readFailed(Throwable err) {
    long now = System.nanoTime();
    if (now - lastReadWarning >= READ_WARNING_EVERY_NANOS) {
      lastReadWarning = now;
      LOG.warn("could not read the worker list: {}", err.toString());
    }
  }

  /** The announcement stored under {@code key}, if it is sealed by this cluster and sane. */
  private Optional<WorkerInfo> announcement(Object key, Object value) {
    if (!(key instanceof String id)) {
      seal.reject(Addresses.WORKERS_MAP, String.valueOf(key), "a key that is not a string");
      return Optional.empty();
    }
    return seal.open(Addresses.WORKERS_MAP, id, value).flatMap(json -> {
      try {
        return Optional.of(WorkerInfo.fromJson(id, json));
      } catch (RuntimeException e) { // whatever is wrong with one entry costs only that entry
        seal.reject(Addresses.WORKERS_MAP, id, e.getMessage());
        return Optional.empty();
      }
    });
  }

  private void rebuild(Map<Object, Object> entries) {
    Set<String> members = new HashSet<>(membership.nodes());
    Map<String, WorkerBackend> next = new LinkedHashMap<>();
    List<String> added = new ArrayList<>();
    entries.entrySet().stream()
        .flatMap(e -> announcement(e.getKey(), e.getValue()).stream())
        .filter(info -> members.contains(info.nodeId())) // its node left or crashed; the TTL will clear it
        .sorted(Comparator.comparing(WorkerInfo::workerId))
        .forEach(info -> {
          WorkerBackend known = workers.get(info.workerId());
          next.put(info.workerId(), known != null ? known : new WorkerBackend(info));
          if (known == null) {
            added.add(info.workerId());
          }
        });
    workers = next;
    index();
    added.forEach(id -> next.get(id).info().models().forEach(onCapacity));
  }

  private void index() {
    Map<String, List<WorkerBackend>> models = new HashMap<>();
    for (WorkerBackend w : workers.values()) {
      for (String model : w.info().models()) {
        models.computeIfAbsent(model, m -> new ArrayList<>()).add(w);
      }
    }
    long now = System.currentTimeMillis() / 1000;
    models.keySet().forEach(m -> firstSeen.putIfAbsent(m, now));
    firstSeen.keySet().retainAll(models.keySet());
    if (!models.keySet().equals(byModel.keySet())) {
      LOG.info("models served now: {}", new TreeMap<>(models).keySet());
    }
    byModel = models;
    if (!workers.keySet().equals(listed)) {
      listed = Set.copyOf(workers.keySet());
      onWorkersChanged.accept(workers.values());
    }
  }
}

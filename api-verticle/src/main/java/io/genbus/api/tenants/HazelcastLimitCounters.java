package io.genbus.api.tenants;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.genbus.cluster.HazelcastFutures;
import io.genbus.cluster.InFlightCount;
import io.genbus.cluster.WindowLease;
import io.genbus.protocol.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;

/**
 * {@link LimitCounters} in two Hazelcast maps ({@link Addresses#LIMITS_MAP}, {@link Addresses#IN_FLIGHT_MAP}),
 * changed only by entry processors on the entry's owner, so concurrent API nodes never lose an update.
 * Every call is asynchronous; its answer comes back on the caller's context.
 */
public final class HazelcastLimitCounters implements LimitCounters {

  private final Vertx vertx;
  private final IMap<String, Long> windows;
  private final IMap<String, HashMap<String, Integer>> inFlight;

  public HazelcastLimitCounters(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.windows = hazelcast.getMap(Addresses.LIMITS_MAP);
    this.inFlight = hazelcast.getMap(Addresses.IN_FLIGHT_MAP);
  }

  @Override
  public Future<long[]> lease(String key, long limit, long want, long ttlMs) {
    return HazelcastFutures.of(windows.submitToKey(key, new WindowLease(limit, want, ttlMs)), context());
  }

  @Override
  public Future<Boolean> addInFlight(String tenant, String nodeId, int delta, long limit) {
    return HazelcastFutures.of(inFlight.submitToKey(tenant, new InFlightCount(nodeId, delta, limit)), context());
  }

  @Override
  public Future<Void> removeInFlight(String tenant, String nodeId, int count) {
    return HazelcastFutures.of(inFlight.submitToKey(tenant, new InFlightCount(nodeId, -count, 0)), context())
        .mapEmpty();
  }

  @Override
  public Future<Void> forget(String nodeId) {
    // Runs on every entry of every member: a blocking call, so off the event loop.
    return vertx.executeBlocking(() -> inFlight.executeOnEntries(InFlightCount.forget(nodeId)), false).mapEmpty();
  }

  private Context context() {
    Context current = Vertx.currentContext();
    return current != null ? current : vertx.getOrCreateContext();
  }
}

package io.genbus.api.tenants;

import io.vertx.core.Future;

/**
 * The cluster-wide side of tenant limits: windows of units (requests a minute, images a day) taken in
 * leases, and jobs in flight per tenant. One implementation keeps them in Hazelcast maps; tests may keep
 * them in memory.
 */
public interface LimitCounters {

  /**
   * Takes up to {@code want} units of window {@code key} without passing {@code limit}; answers
   * {@code {granted, usedAfter}}. A negative {@code want} gives units back. The window expires after {@code ttlMs}.
   */
  Future<long[]> lease(String key, long limit, long want, long ttlMs);

  /** Adds {@code delta} jobs in flight for {@code tenant} on {@code nodeId} if the total stays within {@code limit}. */
  Future<Boolean> addInFlight(String tenant, String nodeId, int delta, long limit);

  /** Gives back {@code count} jobs in flight. */
  Future<Void> removeInFlight(String tenant, String nodeId, int count);

  /** Forgets what {@code nodeId} held in flight (it left the cluster). */
  Future<Void> forget(String nodeId);
}

package io.genbus.cluster;

import com.hazelcast.map.EntryProcessor;
import java.util.HashMap;
import java.util.Map;

/**
 * A tenant's jobs in flight (queued or running) across the cluster, kept per API node so that a node that
 * dies takes its count with it ({@link #forget}). With {@code delta} > 0 it adds only if the total stays
 * within {@code limit} and answers whether it did; with {@code delta} < 0 it gives back. Runs on the member
 * that owns the tenant's entry, so concurrent admissions on every API node are serialized there.
 */
public record InFlightCount(String nodeId, int delta, long limit)
    implements EntryProcessor<String, HashMap<String, Integer>, Boolean> {

  private static final int FORGET = Integer.MIN_VALUE;

  /** Drops everything {@code nodeId} held (it left the cluster). */
  public static InFlightCount forget(String nodeId) {
    return new InFlightCount(nodeId, FORGET, 0);
  }

  @Override
  public Boolean process(Map.Entry<String, HashMap<String, Integer>> entry) {
    HashMap<String, Integer> perNode = entry.getValue() == null ? new HashMap<>() : entry.getValue();
    int mine = perNode.getOrDefault(nodeId, 0);
    if (delta > 0) {
      long total = perNode.values().stream().mapToLong(Integer::longValue).sum();
      if (total + delta > limit) {
        return false;
      }
      perNode.put(nodeId, mine + delta);
    } else if (delta == FORGET || mine + delta <= 0) {
      if (perNode.remove(nodeId) == null) {
        return true;
      }
    } else {
      perNode.put(nodeId, mine + delta);
    }
    entry.setValue(perNode.isEmpty() ? null : perNode);
    return true;
  }
}

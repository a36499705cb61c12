package io.genbus.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Takes up to {@code want} units of a limit's window (e.g. a tenant's requests in one minute) without ever
 * passing {@code limit}, or gives units back with a negative {@code want}. Runs on the member that owns the
 * window's entry, so concurrent takers from every API node are serialized there. Returns {@code {granted,
 * usedAfter}}. A new window's entry expires {@code ttlMs} after it was made (the window is long over by then).
 */
public record WindowLease(long limit, long want, long ttlMs) implements EntryProcessor<String, Long, long[]> {

  @Override
  public long[] process(Map.Entry<String, Long> entry) {
    long used = entry.getValue() == null ? 0 : entry.getValue();
    long granted = want >= 0 ? Math.max(0, Math.min(want, limit - used)) : -Math.min(-want, used);
    long after = used + granted;
    if (granted != 0) {
      if (entry.getValue() == null && entry instanceof ExtendedMapEntry<String, Long> extended) {
        extended.setValue(after, ttlMs, TimeUnit.MILLISECONDS);
      } else if (entry instanceof ExtendedMapEntry<String, Long> extended) {
        extended.setValueWithoutChangingExpiryTime(after);
      } else {
        entry.setValue(after);
      }
    }
    return new long[] {granted, after};
  }
}

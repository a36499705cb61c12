package io.genbus.protocol;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Adds one API node's counts to an entry of {@link Addresses#USAGE_HOURLY_MAP}, on the member that owns the entry
 * (and on its backup): many nodes add to the same hour without a lost update and without reading it first. It
 * lives in {@code shared} because that member may be a worker node; it travels as {@link DataSerializable}
 * (four longs), not through Java serialization. Every change sets the entry's time to live again.
 */
public final class UsageDelta implements EntryProcessor<String, long[], Void>, DataSerializable {

  /** Counters of an entry, in this order. */
  public static final int REQUESTS = 0;
  public static final int JOBS = 1;
  public static final int IMAGES = 2;
  public static final int FAILED = 3;
  public static final int SIZE = 4;
  /** An hour's entry is kept this long after its last change: the status page shows 24 h, /v1/usage a week. */
  public static final long TTL_SECONDS = TimeUnit.DAYS.toSeconds(8);

  private long[] counts;

  /** For Hazelcast's deserialization. */
  public UsageDelta() {
    this.counts = new long[SIZE];
  }

  public UsageDelta(long[] counts) {
    if (counts.length != SIZE) {
      throw new IllegalArgumentException("usage counters are " + SIZE + " longs, not " + counts.length);
    }
    this.counts = counts.clone();
  }

  @Override
  public Void process(Map.Entry<String, long[]> entry) {
    long[] current = entry.getValue();
    long[] sum = new long[SIZE];
    for (int i = 0; i < SIZE; i++) {
      sum[i] = (current != null && current.length == SIZE ? current[i] : 0) + counts[i];
    }
    if (entry instanceof ExtendedMapEntry<String, long[]> extended) {
      extended.setValue(sum, TTL_SECONDS, TimeUnit.SECONDS);
    } else {
      entry.setValue(sum);
    }
    return null;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLongArray(counts);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    long[] read = in.readLongArray();
    if (read == null || read.length != SIZE) {
      throw new IOException("usage counters are " + SIZE + " longs");
    }
    counts = read;
  }
}

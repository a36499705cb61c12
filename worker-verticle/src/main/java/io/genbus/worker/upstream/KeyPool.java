package io.genbus.worker.upstream;

import java.util.List;

/**
 * A backend's API keys, used in turn. A key that gets 429 rests until its retry delay is over; the others
 * carry on. Confined to the worker verticle's event loop.
 */
public final class KeyPool {

  private final List<String> keys;
  private final long[] restingUntil;
  private int next;

  public KeyPool(List<String> keys) {
    this.keys = List.copyOf(keys);
    this.restingUntil = new long[keys.size()];
  }

  /** The next key that is not resting, or null when all are. */
  public String take() {
    long now = System.currentTimeMillis();
    for (int i = 0; i < keys.size(); i++) {
      int k = (next + i) % keys.size();
      if (restingUntil[k] <= now) {
        next = (k + 1) % keys.size();
        return keys.get(k);
      }
    }
    return null;
  }

  public void rest(String key, long ms) {
    int k = keys.indexOf(key);
    if (k >= 0) {
      restingUntil[k] = System.currentTimeMillis() + ms;
    }
  }

  public int size() {
    return keys.size();
  }

  /** Milliseconds until the first key is usable again (0 if one is now). */
  public long soonestMs() {
    long now = System.currentTimeMillis();
    long soonest = Long.MAX_VALUE;
    for (long until : restingUntil) {
      soonest = Math.min(soonest, Math.max(0, until - now));
    }
    return soonest;
  }
}

package io.genbus.worker;

import java.util.ArrayList;
import java.util.List;

/**
 * Tells a running {@link Generator} that its job was cancelled. Used on the worker verticle's event loop
 * only; {@link #isCancelled()} may be read from any thread.
 */
public final class Cancellation {

  private volatile boolean cancelled;
  private final List<Runnable> listeners = new ArrayList<>();

  public boolean isCancelled() {
    return cancelled;
  }

  /** Runs {@code listener} on cancel, or at once if already cancelled. */
  public void onCancel(Runnable listener) {
    if (cancelled) {
      listener.run();
    } else {
      listeners.add(listener);
    }
  }

  public void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    listeners.forEach(Runnable::run);
    listeners.clear();
  }
}

package io.genbus.api.limits;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Lets at most {@code slots} image conversions run at once in the node; the others wait in arrival order. A
 * decoded image costs far more than its upload (a 0.3 MB PNG can decode to 300 MB), so the number that run
 * together is what bounds the heap. The line itself is bounded by {@link NodeLimits}: every waiting request
 * is an open one. A request whose client left before its turn is dropped from the line without converting.
 *
 * <p>One per node, shared by its HTTP event loops: a conversion is started, and its result delivered, on
 * the event loop that asked for it.
 */
public final class ConversionGate {

  /** The share of the heap that conversions running together may use, in the worst case. */
  public static final int HEAP_SHARE_DIVISOR = 4;

  private final int slots;
  private final ArrayDeque<Waiting> line = new ArrayDeque<>();
  private int running;

  public ConversionGate(int slots) {
    this.slots = Math.max(1, slots);
  }

  /**
   * As many slots as a quarter of the heap has room for conversions of {@code worstCaseBytes} each, at
   * least one, and no more than there are cores (conversions are CPU-bound: more at once only costs memory).
   */
  public static int slotsFor(long maxHeap, long worstCaseBytes, int cores) {
    long byHeap = maxHeap / HEAP_SHARE_DIVISOR / Math.max(1, worstCaseBytes);
    return (int) Math.max(1, Math.min(cores, byHeap));
  }

  /**
   * Runs {@code conversion} when a slot is free and {@code wanted} still holds then; otherwise fails with
   * {@link ClientGone} without running it.
   */
  public <T> Future<T> run(BooleanSupplier wanted, Supplier<Future<T>> conversion) {
    Promise<T> result = Promise.promise();
    Runnable start = () -> {
      if (!wanted.getAsBoolean()) {
        done();
        result.fail(new ClientGone());
        return;
      }
      Future<T> converted;
      try {
        converted = conversion.get();
      } catch (RuntimeException e) {
        converted = Future.failedFuture(e);
      }
      converted.onComplete(ar -> {
        done();
        if (ar.succeeded()) {
          result.complete(ar.result());
        } else {
          result.fail(ar.cause());
        }
      });
    };
    synchronized (this) {
      line.add(new Waiting(Vertx.currentContext(), start));
    }
    next();
    return result.future();
  }

  public int slots() {
    return slots;
  }

  public synchronized int running() {
    return running;
  }

  public synchronized int waiting() {
    return line.size();
  }

  private void done() {
    synchronized (this) {
      running--;
    }
    next();
  }

  /** Starts waiting conversions while there are free slots, each on the event loop it came from. */
  private void next() {
    List<Waiting> starting = new ArrayList<>();
    synchronized (this) {
      while (running < slots && !line.isEmpty()) {
        running++;
        starting.add(line.poll());
      }
    }
    for (Waiting waiting : starting) {
      if (waiting.context() == null || waiting.context() == Vertx.currentContext()) {
        waiting.start().run();
      } else {
        waiting.context().runOnContext(v -> waiting.start().run());
      }
    }
  }

  private record Waiting(Context context, Runnable start) {
  }

  /** The request's client went away while it waited for a slot. */
  public static final class ClientGone extends RuntimeException {
    ClientGone() {
      super("the client left before its images were converted", null, false, false);
    }
  }
}

package io.genbus.worker;

import io.genbus.config.BackendConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * Holds a backend's jobs until the test lets them through, so that a test decides when a job ends instead
 * of guessing how long it takes: a job "runs" (has its slot) for as long as it waits here, then goes on to
 * the real generator behind the gate. A job cancelled while it waits fails at once, as a real backend would.
 *
 * <p>The events a test waits on are futures: {@link #next()} and {@link #arrival(String)} complete when a job
 * reaches the gate, {@link Held#cancelled()} when the job is cancelled. Jobs resume on the worker's own
 * context, whichever thread releases them.
 */
public final class Gate {

  private final List<Held> unclaimed = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final List<Held> holding = new ArrayList<>();
  private final List<String> prompts = new ArrayList<>();
  private boolean open;

  /** {@code backend}'s jobs, each held here until released. */
  public Generator before(Generator backend) {
    return (request, cancellation) -> arrive(request, cancellation).compose(v -> backend.generate(request, cancellation));
  }

  /** For a worker: every backend's own (real) generator, behind this gate. */
  public BiFunction<Vertx, BackendConfig, Generator> everyBackend() {
    return (vertx, backend) -> before(Generators.create(vertx, backend));
  }

  /** The next job to reach the gate that no test took yet (in order of arrival), once it has. */
  public Future<Held> next() {
    return claim(request -> true);
  }

  /** The job with {@code prompt}, once it has reached the gate. */
  public Future<Held> arrival(String prompt) {
    return claim(request -> request.prompt().equals(prompt));
  }

  /** Lets every held job through, and every later one at once. */
  public void open() {
    List<Held> release;
    synchronized (this) {
      open = true;
      release = List.copyOf(holding);
    }
    release.forEach(Held::release);
  }

  /**
   * Lets every job held now through and forgets the arrivals no test took (between tests of a class that
   * shares the gate); later jobs wait again.
   */
  public void releaseAll() {
    List<Held> release;
    synchronized (this) {
      release = List.copyOf(holding);
      unclaimed.clear();
    }
    release.forEach(Held::release);
  }

  /** The prompts of the jobs that reached the gate so far, in order. */
  public synchronized List<String> prompts() {
    return List.copyOf(prompts);
  }

  private Future<Void> arrive(GenerationRequest request, Cancellation cancellation) {
    Held held = new Held(request, Vertx.currentContext());
    cancellation.onCancel(held::cancel);
    Waiter taker = null;
    boolean through;
    synchronized (this) {
      prompts.add(request.prompt());
      through = open;
      if (!through) {
        holding.add(held);
      }
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext() && taker == null; ) {
        Waiter waiter = it.next();
        if (waiter.wants.test(request)) {
          taker = waiter;
          it.remove();
        }
      }
      if (taker == null) {
        unclaimed.add(held);
      }
    }
    if (through) {
      held.release();
    }
    if (taker != null) {
      taker.promise.complete(held);
    }
    return held.gate.future();
  }

  private Future<Held> claim(Predicate<GenerationRequest> wants) {
    synchronized (this) {
      for (Iterator<Held> it = unclaimed.iterator(); it.hasNext(); ) {
        Held held = it.next();
        if (wants.test(held.request)) {
          it.remove();
          return Future.succeededFuture(held);
        }
      }
      Waiter waiter = new Waiter(wants, Promise.promise());
      waiters.add(waiter);
      return waiter.promise.future();
    }
  }

  private synchronized void forget(Held held) {
    holding.remove(held);
  }

  private record Waiter(Predicate<GenerationRequest> wants, Promise<Held> promise) {
  }

  /** One job at the gate. */
  public final class Held {
    private final GenerationRequest request;
    private final Context context;
    private final Promise<Void> gate = Promise.promise();
    private final Promise<Void> cancelled = Promise.promise();

    private Held(GenerationRequest request, Context context) {
      this.request = request;
      this.context = context;
    }

    public GenerationRequest request() {
      return request;
    }

    /** Lets the job go on to the generator behind the gate. */
    public void release() {
      forget(this);
      context.runOnContext(v -> gate.tryComplete());
    }

    /** Completes when the job is cancelled (at the gate or later); its slot is free by then. */
    public Future<Void> cancelled() {
      return cancelled.future();
    }

    // On the worker's context. The test is told in a task of its own, after the runner has freed the slot.
    private void cancel() {
      forget(this);
      gate.tryFail(GenerationException.cancelled());
      context.runOnContext(v -> cancelled.tryComplete());
    }
  }
}

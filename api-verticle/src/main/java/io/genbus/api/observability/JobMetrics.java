package io.genbus.api.observability;

import io.genbus.api.jobs.JobObserver;
import io.genbus.api.jobs.WorkerBackend;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * genbus's own meters, beside Vert.x's HTTP and event-bus ones, in the node's Prometheus registry:
 * {@code genbus_queue_depth{model}}, {@code genbus_jobs_total{model,outcome}},
 * {@code genbus_queue_wait_seconds{model}} and {@code genbus_generation_seconds{model}} (histograms),
 * {@code genbus_attempt_errors_total{model,code}} (every failure a worker reported, retried ones included: what
 * upstream errors by code look like from here), and {@code genbus_worker_slots{worker,node,backend,state}} with
 * state {@code busy} or {@code free}.
 */
public final class JobMetrics implements JobObserver {

  private final MeterRegistry registry;
  private final MultiGauge slots;
  // Meters looked up once: building and registering one per job is a registry lookup on every request.
  private final Map<String, Timer> waits = new ConcurrentHashMap<>();
  private final Map<String, Timer> generations = new ConcurrentHashMap<>();
  private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
  private final Map<String, Counter> attemptErrors = new ConcurrentHashMap<>();

  public JobMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.slots = MultiGauge.builder("genbus.worker.slots")
        .description("Slots of each worker backend, busy or free, as this API node sees them")
        .register(registry);
  }

  @Override
  public void lineOpened(String model, IntSupplier depth) {
    Gauge.builder("genbus.queue.depth", depth, IntSupplier::getAsInt)
        .description("Jobs waiting for a slot on this API node")
        .tag("model", model)
        .register(registry);
  }

  @Override
  public void dispatched(String model, long waitedMs) {
    waits.computeIfAbsent(model, m -> Timer.builder("genbus.queue.wait")
        .description("Time from admission to the first dispatch")
        .tag("model", m).publishPercentileHistogram().register(registry)).record(Duration.ofMillis(waitedMs));
  }

  @Override
  public void ended(EndedJob job) {
    if (job.done()) {
      generations.computeIfAbsent(job.model(), m -> Timer.builder("genbus.generation")
          .description("Time from dispatch to the worker's DONE")
          .tag("model", m).publishPercentileHistogram().register(registry)).record(Duration.ofMillis(job.ranMs()));
    }
    outcomes.computeIfAbsent(job.model() + '\n' + job.outcome(), k -> Counter.builder("genbus.jobs")
        .description("Jobs ended, by outcome")
        .tags("model", job.model(), "outcome", job.outcome()).register(registry)).increment();
  }

  @Override
  public void attemptFailed(String model, String code) {
    attemptErrors.computeIfAbsent(model + '\n' + code, k -> Counter.builder("genbus.attempt.errors")
        .description("Job attempts that failed on a worker, by error code; an attempt retried elsewhere counts too")
        .tags("model", model, "code", code).register(registry)).increment();
  }

  /** The worker backends changed: one busy and one free row each (read live at every scrape). */
  public void workers(Collection<WorkerBackend> workers) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (WorkerBackend w : workers) {
      Tags tags = Tags.of("worker", w.id(), "node", w.info().nodeId(), "backend", w.info().backend());
      rows.add(MultiGauge.Row.of(tags.and("state", "busy"), (Supplier<Number>) () -> Math.min(w.busy(), w.info().concurrency())));
      rows.add(MultiGauge.Row.of(tags.and("state", "free"), (Supplier<Number>) w::free));
    }
    slots.register(rows, true);
  }
}

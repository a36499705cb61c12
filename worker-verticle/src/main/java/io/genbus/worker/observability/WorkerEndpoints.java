package io.genbus.worker.observability;

import io.genbus.cluster.Membership;
import io.genbus.protocol.WorkerStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * A worker node's own HTTP endpoints, for probes and scrapers that look at each machine (the API node's
 * {@code /metrics} already shows every worker's slots as the API sees them):
 * {@code GET /health/live} (the process answers), {@code GET /health/ready} (a cluster member, announced,
 * not draining: 503 otherwise) and {@code GET /metrics} (the node's Prometheus registry: Vert.x's event-bus
 * and JVM meters plus {@code genbus_worker_jobs_total{outcome}} and {@code genbus_worker_running}).
 */
public final class WorkerEndpoints {

  private final String nodeId;
  private final Membership membership;
  private final BooleanSupplier announced;
  private final Supplier<WorkerStats> stats;
  private final PrometheusMeterRegistry metrics;
  private final List<Meter> meters = new ArrayList<>();

  public WorkerEndpoints(String nodeId, Membership membership, BooleanSupplier announced, Supplier<WorkerStats> stats,
                         PrometheusMeterRegistry metrics) {
    this.nodeId = nodeId;
    this.membership = membership;
    this.announced = announced;
    this.stats = stats;
    this.metrics = metrics;
  }

  /** The router of the endpoints. */
  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics));
    return router;
  }

  /** Removes the meters again (the registry may outlive this verticle). */
  public void close() {
    meters.forEach(metrics::remove);
    meters.clear();
  }

  /** Registers the node's job meters, once its endpoints listen; {@link #close} removes them. */
  public void registerMeters() {
    Map<String, ToDoubleFunction<WorkerStats>> outcomes =
        Map.of("completed", WorkerStats::completed, "failed", WorkerStats::failed, "cancelled", WorkerStats::cancelled);
    outcomes.forEach((outcome, count) -> meters.add(
        FunctionCounter.builder("genbus.worker.jobs", stats, s -> count.applyAsDouble(s.get()))
            .description("Jobs this worker node ended, by outcome")
            .tags("node", nodeId, "outcome", outcome)
            .register(metrics)));
    meters.add(Gauge.builder("genbus.worker.running", stats, s -> s.get().running())
        .description("Jobs running on this worker node now").tag("node", nodeId).register(metrics));
    meters.add(Gauge.builder("genbus.worker.capacity", stats, s -> s.get().slots())
        .description("Slots of this worker node, all backends").tag("node", nodeId).register(metrics));
  }

  private void ready(RoutingContext ctx) {
    WorkerStats s = stats.get();
    String reason = !membership.nodes().contains(nodeId) ? "not a cluster member"
        : s.draining() ? "draining"
        : !announced.getAsBoolean() ? "not announced to the cluster yet"
        : null;
    if (reason == null) {
      json(ctx, 200, new JsonObject().put("status", "UP").put("running", s.running()).put("slots", s.slots()));
    } else {
      json(ctx, 503, new JsonObject().put("status", "DOWN").put("reason", reason));
    }
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }
}

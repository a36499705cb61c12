package io.genbus.worker;

import io.genbus.cluster.ClusterSeal;
import io.genbus.cluster.Membership;
import io.genbus.config.BackendConfig;
import io.genbus.config.WorkerConfig;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.CancelJob;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobMoved;
import io.genbus.protocol.JobQuery;
import io.genbus.protocol.StatusRequest;
import io.genbus.protocol.WorkerInfo;
import io.genbus.protocol.WorkerStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServer;
import io.genbus.worker.observability.WorkerEndpoints;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires a worker node: one {@link JobRunner} per configured backend, a consumer per model it serves on
 * that backend's own job address, this node's control address, the heartbeat timer (job heartbeats and
 * load) and the {@link WorkerAnnouncer}. Stopping it drains: no new jobs, running ones may finish for
 * {@code worker.drainSeconds}, then the rest are aborted. With {@code worker.httpPort} set, it also serves the
 * node's health and metrics ({@link WorkerEndpoints}).
 */
public final class WorkerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerVerticle.class);

  private final WorkerConfig config;
  private final String nodeId;
  private final Membership membership;
  private final PrometheusMeterRegistry metrics;
  private final ClusterSeal seal;
  private final BiFunction<Vertx, BackendConfig, Generator> generatorFactory;
  private final WorkerCounters counters = new WorkerCounters();
  private final List<JobRunner> runners = new ArrayList<>();
  private final List<Generator> generators = new ArrayList<>();
  private WorkerAnnouncer announcer;
  private long heartbeatTimer;
  private long announceTimer;
  private boolean draining;
  private boolean announced;
  private WorkerEndpoints endpoints;
  private HttpServer http;

  /**
   * A worker of a cluster node: its membership tells readiness, its registry holds the meters, its seal
   * protects the node's announcements.
   */
  public WorkerVerticle(WorkerConfig config, String nodeId, Membership membership, PrometheusMeterRegistry metrics,
                        ClusterSeal seal) {
    this(config, nodeId, membership, metrics, seal, Generators::create);
  }

  /** On its own (unit tests): always a member, with a registry of its own, no cluster secret. */
  public WorkerVerticle(WorkerConfig config, String nodeId) {
    this(config, nodeId, Membership.alone(nodeId), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  private WorkerVerticle(WorkerConfig config, String nodeId, Membership membership, PrometheusMeterRegistry metrics) {
    this(config, nodeId, membership, metrics, ClusterSeal.plain(metrics), Generators::create);
  }

  /** With another way to build generators: tests use it to put a misbehaving backend in the cluster. */
  public WorkerVerticle(WorkerConfig config, String nodeId, Membership membership, PrometheusMeterRegistry metrics,
                        ClusterSeal seal, BiFunction<Vertx, BackendConfig, Generator> generatorFactory) {
    this.config = config;
    this.nodeId = nodeId;
    this.membership = membership;
    this.metrics = metrics;
    this.seal = seal;
    this.generatorFactory = generatorFactory;
  }

  /** The port of the node's health and metrics endpoints, or -1 without them ({@code worker.httpPort}). */
  public int httpPort() {
    return http == null ? -1 : http.actualPort();
  }

  @Override
  public Future<?> start() {
    String control = Addresses.workerControl(nodeId);
    List<Future<Void>> registrations = new ArrayList<>();
    for (int i = 0; i < config.backends().size(); i++) {
      BackendConfig backend = config.backends().get(i);
      Generator generator = generatorFactory.apply(vertx, backend);
      WorkerInfo info = new WorkerInfo(nodeId + "/" + i, nodeId, backend.type(), backend.models(),
          backend.concurrency(), control, generator.capabilities());
      JobRunner[] self = new JobRunner[1];
      JobRunner runner = new JobRunner(vertx, info, generator, counters, config.jobTimeoutSeconds() * 1000L,
          () -> publishLoad(self[0]));
      self[0] = runner;
      generators.add(generator);
      runners.add(runner);
      for (String model : backend.models()) {
        registrations.add(vertx.eventBus().<Job>consumer(Addresses.model(model, info.workerId()), runner::accept)
            .completion());
      }
    }
    registrations.add(vertx.eventBus().consumer(control, this::onControl).completion());
    heartbeatTimer = vertx.setPeriodic(config.heartbeatSeconds() * 1000L, id -> runners.forEach(r -> {
      r.heartbeat();
      publishLoad(r);
    }));
    announcer = new WorkerAnnouncer(vertx, runners.stream().map(JobRunner::info).toList(), seal);
    // Endpoints before the announcement: a worker that cannot start them must not be listed for a moment.
    return Future.all(registrations)
        .compose(v -> startEndpoints())
        .compose(v -> announcer.announce())
        .onSuccess(v -> {
          announced = true;
          announceTimer = vertx.setPeriodic(WorkerAnnouncer.REFRESH_MS, id -> announcer.refresh()
              .onFailure(err -> LOG.warn("could not renew the worker announcement: {}", err.toString())));
          runners.forEach(r -> LOG.info("worker {} ready: backend {} serving {} with {} slot(s)",
              r.info().workerId(), r.info().backend(), r.info().models(), r.info().concurrency()));
        });
  }

  private Future<Void> startEndpoints() {
    if (config.httpPort() == null) {
      return Future.succeededFuture();
    }
    endpoints = new WorkerEndpoints(nodeId, membership, () -> announced, this::stats, metrics);
    return vertx.createHttpServer().requestHandler(endpoints.router(vertx))
        .listen(config.httpPort(), config.httpHost())
        .onSuccess(server -> {
          http = server;
          endpoints.registerMeters();
          LOG.info("worker {} health and metrics on http://{}:{}/health/ready", nodeId, config.httpHost(), server.actualPort());
        })
        .mapEmpty();
  }

  @Override
  public Future<?> stop() {
    draining = true;
    vertx.cancelTimer(announceTimer);
    Future<Void> idle = Future.all(runners.stream().map(JobRunner::drain).toList()).mapEmpty();
    int running = runners.stream().mapToInt(JobRunner::running).sum();
    if (running > 0) {
      LOG.info("draining: waiting up to {} s for {} running job(s)", config.drainSeconds(), running);
    }
    return announcer.withdraw()
        // running jobs get drainSeconds; whatever is left then is aborted below
        .eventually(() -> idle.timeout(Math.max(1, config.drainSeconds() * 1000L), TimeUnit.MILLISECONDS).otherwiseEmpty())
        .eventually(() -> {
          vertx.cancelTimer(heartbeatTimer);
          runners.forEach(r -> r.abortAll("worker node stopped before the job finished"));
          if (endpoints != null) {
            endpoints.close();
          }
          return Future.all(generators.stream().map(Generator::close).toList());
        });
  }

  private void publishLoad(JobRunner runner) {
    vertx.eventBus().publish(Addresses.WORKERS_LOAD, runner.load());
  }

  private void onControl(Message<Object> message) {
    Object body = message.body();
    if (body instanceof CancelJob cancel) {
      boolean found = runners.stream().anyMatch(r -> r.cancel(cancel.jobId(), cancel.reason()));
      message.reply(found);
    } else if (body instanceof JobMoved moved) {
      message.reply(runners.stream().anyMatch(r -> r.moved(moved.jobId(), moved.replyTo())));
    } else if (body instanceof JobQuery query) {
      message.reply(runners.stream().filter(r -> r.has(query.jobId())).map(r -> r.info().workerId()).findFirst()
          .orElse(""));
    } else if (body instanceof StatusRequest) {
      message.reply(stats());
    } else {
      message.fail(400, "unknown control message: " + (body == null ? "null" : body.getClass().getSimpleName()));
    }
  }

  WorkerStats stats() {
    int running = runners.stream().mapToInt(JobRunner::running).sum();
    int slots = runners.stream().mapToInt(r -> r.info().concurrency()).sum();
    return new WorkerStats(running, slots, counters.peakRunning(), counters.overbooked(), draining,
        counters.completed.get(), counters.failed.get(), counters.cancelled.get());
  }
}

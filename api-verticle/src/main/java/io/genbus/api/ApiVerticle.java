package io.genbus.api;

import io.genbus.api.jobs.JobDispatcher;
import io.genbus.api.jobs.JobObserver;
import io.genbus.api.jobs.Scheduler;
import io.genbus.api.jobs.WorkerDirectory;
import io.genbus.api.observability.JobMetrics;
import io.genbus.api.status.RecentJobs;
import io.genbus.cluster.ClusterSeal;
import io.genbus.cluster.Membership;
import io.genbus.config.ApiConfig;
import io.genbus.protocol.Addresses;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One API node: its scheduler (worker directory and job dispatcher, on this verticle's event loop) and an
 * {@link HttpVerticle} on every core, all serving the same port. Stopping it drains: the HTTP instances
 * stop accepting connections and give open requests {@code api.drainSeconds} to finish, then the
 * scheduler ends what is left.
 */
public final class ApiVerticle extends VerticleBase {

  private static final AtomicInteger ANY_PORT = new AtomicInteger();

  private final ApiConfig config;
  private final String nodeId;
  private final Membership membership;
  private final PrometheusMeterRegistry metrics;
  private final ClusterSeal seal;
  private final int httpInstances;
  private WorkerDirectory directory;
  private JobDispatcher dispatcher;
  private int port;

  public ApiVerticle(ApiConfig config, String nodeId, Membership membership, PrometheusMeterRegistry metrics,
                     ClusterSeal seal) {
    this(config, nodeId, membership, metrics, seal, Runtime.getRuntime().availableProcessors());
  }

  ApiVerticle(ApiConfig config, String nodeId, Membership membership, PrometheusMeterRegistry metrics,
              ClusterSeal seal, int httpInstances) {
    this.config = config;
    this.nodeId = nodeId;
    this.membership = membership;
    this.metrics = metrics;
    this.seal = seal;
    this.httpInstances = Math.max(1, httpInstances);
  }

  @Override
  public Future<?> start() {
    JobMetrics jobMetrics = new JobMetrics(metrics);
    RecentJobs recentJobs = new RecentJobs();
    directory = new WorkerDirectory(vertx, membership, config.dispatch().strategy(), seal);
    directory.onWorkersChanged(jobMetrics::workers);
    dispatcher = new JobDispatcher(vertx, Addresses.apiEvents(nodeId, UUID.randomUUID().toString()), config,
        directory, JobObserver.all(jobMetrics, recentJobs));
    // Hazelcast calls back on its own thread: hop onto the scheduler's event loop.
    membership.onNodeLeft(node -> context.runOnContext(v -> {
      directory.nodeLeft(node);
      dispatcher.nodeLeft(node);
    }));
    Scheduler scheduler = new Scheduler(context, dispatcher, directory);
    HttpVerticle.Shared shared = new HttpVerticle.Shared(config, nodeId, membership, metrics, seal, scheduler,
        recentJobs, listenPort());
    return Future.all(directory.start(), dispatcher.start())
        .compose(v -> vertx.deployVerticle(() -> new HttpVerticle(shared, p -> port = p),
            new DeploymentOptions().setInstances(httpInstances)));
  }

  /**
   * The port all HTTP instances listen on. Vert.x shares one server among instances that ask for the same
   * port; for {@code api.port: 0} a negative port asks for a free one shared by every server given that same
   * negative number, so each API verticle of a Vert.x instance (several in tests) gets its own.
   */
  private int listenPort() {
    return config.port() != 0 ? config.port() : -ANY_PORT.incrementAndGet();
  }

  /** Runs after the HTTP instances (child deployments) have drained and stopped. */
  @Override
  public Future<?> stop() {
    directory.stop();
    dispatcher.stop();
    return Future.succeededFuture();
  }

  public String deploymentId() {
    return context.deploymentID();
  }

  /** The port the node listens on (useful when {@code api.port} is 0). */
  public int port() {
    return port;
  }
}

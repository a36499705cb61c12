package io.genbus.api;

import io.genbus.api.images.InputImageConverter;
import io.genbus.api.durable.DurableJobs;
import io.genbus.api.durable.JobRecorder;
import io.genbus.api.durable.JobStore;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageStore;
import io.genbus.api.jobs.JobDispatcher;
import io.genbus.api.jobs.JobObserver;
import io.genbus.api.jobs.Scheduler;
import io.genbus.api.jobs.WorkerDirectory;
import io.genbus.api.limits.ConversionGate;
import io.genbus.api.limits.NodeLimits;
import io.genbus.api.observability.JobMetrics;
import io.genbus.api.observability.LimitMetrics;
import io.genbus.api.status.RecentJobs;
import io.genbus.api.status.StatusHistory;
import io.genbus.api.usage.Usage;
import io.genbus.api.webhooks.WebhookSender;
import io.genbus.cluster.ClusterSeal;
import io.genbus.cluster.Membership;
import io.genbus.config.ApiConfig;
import io.genbus.config.DbConfig;
import io.genbus.protocol.Addresses;
import io.genbus.api.tenants.HazelcastLimitCounters;
import io.genbus.api.tenants.TenantGate;
import io.genbus.api.tenants.TenantLimits;
import io.genbus.api.tenants.TenantRegistry;
import io.genbus.api.tenants.TenantSync;
import io.genbus.api.usage.UsageObserver;
import com.hazelcast.core.HazelcastInstance;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One API node: its scheduler (worker directory and job dispatcher, on this verticle's event loop), its
 * limits (open requests, image conversions) and an {@link HttpVerticle} on every core, all serving the
 * same port (and the same {@code api.ops.port}, when set). Stopping it drains: the HTTP instances stop
 * accepting connections and give open requests {@code api.drainSeconds} to finish, then the scheduler ends
 * what is left.
 */
public final class ApiVerticle extends VerticleBase {

  private static final AtomicInteger ANY_PORT = new AtomicInteger();
  /**
   * How long a crashed member takes to be declared dead ({@code hazelcast.max.no.heartbeat.seconds} in
   * cluster.xml): a durable job's worker waits this plus {@code workerLostSeconds} for an adopter.
   */
  static final int CLUSTER_FAILURE_DETECTION_SECONDS = 10;

  private final ApiConfig config;
  private final DbConfig db;
  private final String nodeId;
  private final Membership membership;
  private final PrometheusMeterRegistry metrics;
  private final ClusterSeal seal;
  private final HazelcastInstance hazelcast;
  private final int httpInstances;
  private WorkerDirectory directory;
  private JobDispatcher dispatcher;
  private StatusHistory history;
  private Usage usage;
  private TenantSync tenantSync;
  private int port;
  private int opsPort = -1;

  public ApiVerticle(ApiConfig config, DbConfig db, String nodeId, Membership membership,
                     PrometheusMeterRegistry metrics, ClusterSeal seal, HazelcastInstance hazelcast) {
    this(config, db, nodeId, membership, metrics, seal, hazelcast, Runtime.getRuntime().availableProcessors());
  }

  ApiVerticle(ApiConfig config, DbConfig db, String nodeId, Membership membership, PrometheusMeterRegistry metrics,
              ClusterSeal seal, HazelcastInstance hazelcast, int httpInstances) {
    this.hazelcast = hazelcast;
    this.config = config;
    this.db = db;
    this.nodeId = nodeId;
    this.membership = membership;
    this.metrics = metrics;
    this.seal = seal;
    this.httpInstances = Math.max(1, httpInstances);
  }

  @Override
  public Future<?> start() {
    // Usage first: with db.url the schema is migrated before the node serves.
    return Usage.start(vertx, hazelcast, db, metrics).compose(this::startWith);
  }

  private Future<String> startWith(Usage started) {
    usage = started;
    JobMetrics jobMetrics = new JobMetrics(metrics);
    RecentJobs recentJobs = new RecentJobs();
    history = new StatusHistory(vertx);
    directory = new WorkerDirectory(vertx, membership, config.dispatch().strategy(), seal);
    directory.onWorkersChanged(jobMetrics::workers);
    TenantRegistry tenants = new TenantRegistry(config);
    tenantSync = usage.tenantStore() == null ? null : new TenantSync(vertx, usage.tenantStore(), tenants);
    TenantLimits tenantLimits = new TenantLimits(new HazelcastLimitCounters(vertx, hazelcast), nodeId,
        System::currentTimeMillis);
    dispatcher = new JobDispatcher(vertx, Addresses.apiEvents(nodeId, UUID.randomUUID().toString()), config,
        directory, JobObserver.all(jobMetrics, recentJobs, history, tenantLimits, new UsageObserver(usage.sink(), nodeId)),
        tenants::weight);
    JobStore store = new JobStore(vertx, config.jobs().ttlSeconds() * 1000L, seal);
    WebhookSender webhooks = new WebhookSender(vertx, config.webhooks());
    ErrorResponses errors = new ErrorResponses(config.errorLanguage(), config.maxBodyBytes());
    JobRecorder.Deps deps = new JobRecorder.Deps(nodeId, store,
        new ImageStore(vertx, config.images().ttlSeconds() * 1000L, seal), errors, webhooks);
    DurableJobs durable = new DurableJobs(vertx, context, membership, dispatcher, deps,
        (CLUSTER_FAILURE_DETECTION_SECONDS + config.workerLostSeconds()) * 1000L);
    // Hazelcast calls back on its own thread: hop onto the scheduler's event loop.
    membership.onNodeLeft(node -> context.runOnContext(v -> {
      directory.nodeLeft(node);
      dispatcher.nodeLeft(node);
      durable.nodeLeft(node);
      tenantLimits.nodeLeft(node);
    }));
    Scheduler scheduler = new Scheduler(context, dispatcher, directory);
    InputImageConverter converter = new InputImageConverter(config.images());
    NodeLimits limits = NodeLimits.forHeap(config.limits().maxOpenJobs(), config.limits().maxOpenStreams());
    ConversionGate conversions = new ConversionGate(ConversionGate.slotsFor(Runtime.getRuntime().maxMemory(),
        converter.worstCaseBytes(), Runtime.getRuntime().availableProcessors()));
    new LimitMetrics(metrics).watch(limits, conversions);
    HttpVerticle.Shared shared = new HttpVerticle.Shared(config, nodeId, membership, metrics, seal, scheduler, recentJobs,
        history, listenPort(config.port()), config.ops().separate() ? listenPort(config.ops().port()) : null,
        converter, limits, conversions, durable, webhooks, tenants, new TenantGate(tenants, tenantLimits), usage,
        tenantSync);
    history.start();
    return Future.all(directory.start(), dispatcher.start())
        .compose(v -> tenantSync == null ? Future.succeededFuture() : tenantSync.start())
        .compose(v -> durable.start())
        .compose(v -> vertx.deployVerticle(() -> new HttpVerticle(shared, p -> port = p, p -> opsPort = p),
            new DeploymentOptions().setInstances(httpInstances)));
  }

  /**
   * The port all HTTP instances listen on. Vert.x shares one server among instances that ask for the same
   * port; for port 0 a negative port asks for a free one shared by every server given that same negative
   * number, so each API verticle of a Vert.x instance (several in tests) gets its own.
   */
  private static int listenPort(int configured) {
    return configured != 0 ? configured : -ANY_PORT.incrementAndGet();
  }

  /** Runs after the HTTP instances (child deployments) have drained and stopped. */
  @Override
  public Future<?> stop() {
    history.stop();
    if (tenantSync != null) {
      tenantSync.stop();
    }
    directory.stop();
    dispatcher.stop();
    return usage.close(); // after the dispatcher ended what was left: their rows go too
  }

  public String deploymentId() {
    return context.deploymentID();
  }

  /** The port the node listens on (useful when {@code api.port} is 0). */
  public int port() {
    return port;
  }

  /** The port of the operations listener, or -1 without {@code api.ops.port}. */
  public int opsPort() {
    return opsPort;
  }
}

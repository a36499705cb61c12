package io.genbus.api;

import io.genbus.api.auth.KeyAuth;
import io.genbus.api.bus.BrowserBridge;
import io.genbus.api.bus.BusSubmissions;
import io.genbus.api.chat.ChatCompletionsHandler;
import io.genbus.api.chat.ChatIntake;
import io.genbus.api.chat.ChatJobView;
import io.genbus.api.chat.DurableRequests;
import io.genbus.api.durable.DurableJobs;
import io.genbus.api.durable.JobsHandler;
import io.genbus.api.durable.RecordFollower;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageOutput;
import io.genbus.api.images.ImageStore;
import io.genbus.api.images.ImagesApiHandler;
import io.genbus.api.images.ImagesHandler;
import io.genbus.api.images.ImagesJobView;
import io.genbus.api.images.InputImageConverter;
import io.genbus.api.limits.ConnectionGuard;
import io.genbus.api.limits.ConversionGate;
import io.genbus.api.limits.NodeLimits;
import io.genbus.api.limits.RequestTicket;
import io.genbus.api.jobs.Scheduler;
import io.genbus.api.models.ModelsHandler;
import io.genbus.api.observability.HealthHandler;
import io.genbus.api.observability.RequestIds;
import io.genbus.api.status.DashboardHandler;
import io.genbus.api.status.RecentJobs;
import io.genbus.api.status.StatusHistory;
import io.genbus.api.status.StatusHandler;
import io.genbus.api.tenants.TenantGate;
import io.genbus.api.tenants.TenantRegistry;
import io.genbus.api.admin.AdminHandler;
import io.genbus.api.tenants.TenantSync;
import io.genbus.api.usage.Usage;
import io.genbus.api.usage.UsageHandler;
import io.genbus.api.webhooks.WebhookSender;
import io.genbus.cluster.ClusterSeal;
import io.genbus.cluster.Membership;
import io.genbus.config.ApiConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The HTTP edge on one event loop: router and server (and, with {@code api.ops.port}, a second one for
 * {@code /metrics} and health), and the event bus's submit and events addresses ({@link BusSubmissions}), which
 * share the HTTP path's parts. An API node runs one per core on the same port (Vert.x spreads connections
 * over them); all reach the node's one {@link Scheduler} and share its limits.
 */
final class HttpVerticle extends VerticleBase {

  /** What every HTTP instance of a node uses. */
  record Shared(ApiConfig config, String nodeId, Membership membership, PrometheusMeterRegistry metrics,
                ClusterSeal seal, Scheduler scheduler, RecentJobs recentJobs, StatusHistory history, int port,
                Integer opsPort, InputImageConverter converter, NodeLimits limits, ConversionGate conversions,
                DurableJobs durable, WebhookSender webhooks, TenantRegistry tenants, TenantGate tenantGate,
                Usage usage, TenantSync tenantSync) {
  }

  private final Shared shared;
  private final IntConsumer listening;
  private final IntConsumer opsListening;
  private HttpServer server;
  private HttpServer opsServer;
  private ConnectionGuard guard;
  private BusSubmissions bus;

  HttpVerticle(Shared shared, IntConsumer listening, IntConsumer opsListening) {
    this.shared = shared;
    this.listening = listening;
    this.opsListening = opsListening;
  }

  @Override
  public Future<?> start() {
    ApiConfig config = shared.config();
    ErrorResponses errors = new ErrorResponses(config.errorLanguage(), config.maxBodyBytes());
    guard = new ConnectionGuard(vertx, config.limits().idleTimeoutSeconds() * 1000L,
        config.limits().bodyTimeoutSeconds() * 1000L, errors);
    server = httpServer(router(errors));
    opsServer = shared.opsPort() == null ? null : httpServer(opsRouter(errors));
    Future<?> ops = opsServer == null ? Future.succeededFuture()
        : opsServer.listen(shared.opsPort(), config.ops().host()).onSuccess(s -> opsListening.accept(s.actualPort()));
    return ops.compose(v -> bus.register(vertx.eventBus()))
        .compose(v -> server.listen(shared.port(), config.bindHost()))
        .onSuccess(s -> listening.accept(s.actualPort()));
  }

  /**
   * HTTP/1.1 only: h2c's protocol detection would keep a connection from the {@link ConnectionGuard} until
   * its first request is complete, which is exactly what a slow client never sends. (Chat clients speak
   * HTTP/1.1; HTTP/2 comes with TLS, at the proxy in front.)
   */
  private HttpServer httpServer(Router router) {
    return vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
        .connectionHandler(guard::connected)
        .requestHandler(router);
  }

  @Override
  public Future<?> stop() {
    Future<?> ops = opsServer == null ? Future.succeededFuture() : opsServer.close();
    return Future.all(ops, server.shutdown(shared.config().drainSeconds(), TimeUnit.SECONDS));
  }

  private Router router(ErrorResponses errors) {
    ApiConfig config = shared.config();
    Scheduler scheduler = shared.scheduler();
    ModelsHandler models = new ModelsHandler(scheduler, shared.tenants());
    StatusHandler status = new StatusHandler(shared.nodeId(), shared.membership(), scheduler, shared.recentJobs(),
        shared.history());
    ImageStore imageStore = new ImageStore(vertx, config.images().ttlSeconds() * 1000L, shared.seal());
    ImageOutput imageOutput = new ImageOutput(config.images().output(), imageStore, config.images().maxStoredBytes());
    RecordFollower follower = new RecordFollower(vertx, shared.durable().store(), errors,
        config.keepAliveSeconds() * 1000L);
    ChatJobView jobView = new ChatJobView(follower, imageOutput, errors);
    DurableRequests durableRequests = new DurableRequests(config, shared.durable(), jobView, shared.webhooks());
    ChatCompletionsHandler chat = new ChatCompletionsHandler(vertx, config, scheduler, errors, imageOutput,
        shared.converter(), shared.limits(), shared.conversions(), durableRequests, shared.tenantGate());
    ImagesJobView imagesView = new ImagesJobView(follower, imageStore, errors);
    ImagesApiHandler images = new ImagesApiHandler(vertx, config, scheduler, errors, imageOutput, shared.converter(),
        shared.conversions(), shared.tenantGate(), durableRequests, imagesView);
    JobsHandler jobs = new JobsHandler(config, shared.durable(), durableRequests, chat, jobView, images, imagesView,
        shared.tenantGate());
    KeyAuth auth = new KeyAuth(shared.tenants());
    // The same checks, parsers, limits and durable jobs for the event bus's submit and events addresses.
    bus = new BusSubmissions(vertx, config, auth, shared.tenantGate(),
        new ChatIntake(vertx, config, scheduler, shared.converter(), shared.conversions()), durableRequests,
        shared.durable().store(), imageStore, errors, images);
    Router router = Router.router(vertx);
    router.route().handler(guard);
    router.route().handler(new RequestIds());
    // Operations endpoints: no key, as load balancers and Prometheus expect; /metrics only here when there
    // is no separate operations listener. Health stays on this port too, where load balancers probe.
    health(router);
    if (shared.opsPort() == null) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(shared.metrics()));
    }
    DashboardHandler dashboard = new DashboardHandler();
    router.get("/").handler(dashboard::page);
    router.get("/dashboard").handler(dashboard::page);
    router.get("/dashboard.js").handler(dashboard::script);
    router.get("/dashboard.css").handler(dashboard::style);
    router.get(DashboardHandler.CHART_PATH).handler(dashboard::chart);
    // Stored images need no key: their unguessable names are the permission (see ImagesHandler).
    router.get("/v1/images/:file").handler(new ImagesHandler(imageStore)::handle);
    if (config.eventBusBridge()) {
      router.route("/eventbus/*").subRouter(new BrowserBridge(auth, shared.durable().store()).router(vertx));
    }
    router.route("/v1/*").handler(auth);
    // Admission before the body is read; its own route, as vertx-web wants body handlers first on theirs.
    RequestTicket ticket = new RequestTicket(config, shared.limits());
    router.post("/v1/chat/completions").handler(shared.tenantGate()::headers);
    router.post("/v1/images/*").handler(shared.tenantGate()::headers);
    router.post("/v1/jobs").handler(shared.tenantGate()::headers);
    router.post("/v1/chat/completions").handler(ticket);
    router.post("/v1/chat/completions")
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(chat);
    router.post("/v1/images/*").handler(ticket);
    router.post("/v1/images/generations")
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(images::generations);
    // Edits: multipart (what the SDKs send) is read in memory by the handler; JSON through a body handler.
    router.post("/v1/images/edits").consumes("multipart/form-data").handler(images::editsMultipart);
    router.post("/v1/images/edits")
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(images::editsJson);
    router.post("/v1/jobs").handler(ticket);
    router.post("/v1/jobs")
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(jobs::create);
    router.get("/v1/jobs").handler(jobs::list);
    router.get("/v1/jobs/:id").handler(jobs::get);
    router.get("/v1/jobs/:id/events").handler(jobs::events);
    router.delete("/v1/jobs/:id").handler(jobs::cancel);
    router.get("/v1/models").handler(models::list);
    router.get("/v1/models/:model").handler(models::get);
    router.get("/v1/status").handler(status::handle);
    router.get("/v1/status/history").handler(status::history);
    UsageHandler usage = new UsageHandler(shared.usage());
    router.get("/v1/status/usage").handler(usage::status);
    router.get("/v1/usage").handler(usage::usage);
    new AdminHandler(shared.tenants(), shared.usage().tenantStore(), shared.tenantSync()).routes(router);
    errorHandlers(router, errors);
    return router;
  }

  /** {@code api.ops.port}'s router: health and metrics, nothing else. */
  private Router opsRouter(ErrorResponses errors) {
    Router router = Router.router(vertx);
    router.route().handler(guard);
    health(router);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(shared.metrics()));
    errorHandlers(router, errors);
    return router;
  }

  private void health(Router router) {
    HealthHandler health = new HealthHandler(shared.nodeId(), shared.membership(), shared.scheduler());
    router.get("/health/live").handler(health::live);
    router.get("/health/ready").handler(health::ready);
  }

  private static void errorHandlers(Router router, ErrorResponses errors) {
    router.route().failureHandler(errors::handleFailure);
    for (int code : new int[] {404, 405, 413, 500}) {
      router.errorHandler(code, errors::handleFailure);
    }
  }
}

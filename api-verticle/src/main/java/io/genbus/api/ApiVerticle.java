package io.genbus.api;

import io.genbus.api.auth.ApiKeyAuth;
import io.genbus.api.chat.ChatCompletionsHandler;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageOutput;
import io.genbus.api.images.ImageStore;
import io.genbus.api.images.ImagesHandler;
import io.genbus.api.jobs.JobDispatcher;
import io.genbus.api.jobs.WorkerDirectory;
import io.genbus.api.models.ModelsHandler;
import io.genbus.api.observability.HealthHandler;
import io.genbus.api.observability.JobMetrics;
import io.genbus.api.observability.RequestIds;
import io.genbus.api.status.DashboardHandler;
import io.genbus.api.status.StatusHandler;
import io.genbus.cluster.Membership;
import io.genbus.config.ApiConfig;
import io.genbus.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Wires the HTTP edge of one API node: router, worker directory, job dispatcher, HTTP server. Stopping it
 * drains: the server stops accepting connections and open requests get {@code api.drainSeconds} to finish.
 */
public final class ApiVerticle extends VerticleBase {

  private final ApiConfig config;
  private final String nodeId;
  private final Membership membership;
  private final PrometheusMeterRegistry metrics;
  private WorkerDirectory directory;
  private JobDispatcher dispatcher;
  private HttpServer server;

  public ApiVerticle(ApiConfig config, String nodeId, Membership membership, PrometheusMeterRegistry metrics) {
    this.config = config;
    this.nodeId = nodeId;
    this.membership = membership;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    directory = new WorkerDirectory(vertx, membership, config.dispatch().strategy());
    dispatcher = new JobDispatcher(vertx, Addresses.apiEvents(nodeId, UUID.randomUUID().toString()), config,
        directory, new JobMetrics(metrics));
    // Hazelcast calls back on its own thread: hop onto this verticle's event loop.
    membership.onNodeLeft(node -> context.runOnContext(v -> {
      directory.nodeLeft(node);
      dispatcher.nodeLeft(node);
    }));
    server = vertx.createHttpServer().requestHandler(router());
    return Future.all(directory.start(), dispatcher.start())
        .compose(v -> server.listen(config.port(), config.host()));
  }

  @Override
  public Future<?> stop() {
    return server.shutdown(config.drainSeconds(), TimeUnit.SECONDS)
        .eventually(() -> {
          directory.stop();
          dispatcher.stop();
          return Future.succeededFuture();
        });
  }

  public String deploymentId() {
    return context.deploymentID();
  }

  /** The port the server listens on (useful when {@code api.port} is 0). */
  public int port() {
    return server.actualPort();
  }

  private Router router() {
    ErrorResponses errors = new ErrorResponses(config.errorLanguage(), config.maxBodyBytes());
    ModelsHandler models = new ModelsHandler(directory);
    StatusHandler status = new StatusHandler(nodeId, membership, directory, dispatcher);
    ImageStore imageStore = new ImageStore(vertx, config.images().ttlSeconds() * 1000L);
    ImageOutput imageOutput = new ImageOutput(config.images().output(), imageStore);
    HealthHandler health = new HealthHandler(nodeId, membership, directory);
    Router router = Router.router(vertx);
    router.route().handler(new RequestIds());
    // Operations endpoints: no key, as load balancers and Prometheus expect.
    router.get("/health/live").handler(health::live);
    router.get("/health/ready").handler(health::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics));
    DashboardHandler dashboard = new DashboardHandler();
    router.get("/").handler(dashboard::handle);
    router.get("/dashboard").handler(dashboard::handle);
    // Stored images need no key: their unguessable names are the permission (see ImagesHandler).
    router.get("/v1/images/:file").handler(new ImagesHandler(imageStore)::handle);
    router.route("/v1/*").handler(new ApiKeyAuth(config.keys()));
    router.post("/v1/chat/completions")
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(new ChatCompletionsHandler(vertx, config, directory, dispatcher, errors, imageOutput));
    router.get("/v1/models").handler(models::list);
    router.get("/v1/models/:model").handler(models::get);
    router.get("/v1/status").handler(status::handle);
    router.route().failureHandler(errors::handleFailure);
    for (int code : new int[] {404, 405, 413, 500}) {
      router.errorHandler(code, errors::handleFailure);
    }
    return router;
  }
}

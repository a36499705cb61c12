package io.genbus.api;

import io.genbus.api.auth.ApiKeyAuth;
import io.genbus.api.chat.ChatCompletionsHandler;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageOutput;
import io.genbus.api.images.ImageStore;
import io.genbus.api.images.ImagesHandler;
import io.genbus.api.jobs.Scheduler;
import io.genbus.api.models.ModelsHandler;
import io.genbus.api.observability.HealthHandler;
import io.genbus.api.observability.RequestIds;
import io.genbus.api.status.DashboardHandler;
import io.genbus.api.status.RecentJobs;
import io.genbus.api.status.StatusHandler;
import io.genbus.cluster.ClusterSeal;
import io.genbus.cluster.Membership;
import io.genbus.config.ApiConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The HTTP edge on one event loop: router and server. An API node runs one per core on the same port
 * (Vert.x spreads connections over them); all reach the node's one {@link Scheduler}.
 */
final class HttpVerticle extends VerticleBase {

  /** What every HTTP instance of a node uses. */
  record Shared(ApiConfig config, String nodeId, Membership membership, PrometheusMeterRegistry metrics,
                ClusterSeal seal, Scheduler scheduler, RecentJobs recentJobs, int port) {
  }

  private final Shared shared;
  private final IntConsumer listening;
  private HttpServer server;

  HttpVerticle(Shared shared, IntConsumer listening) {
    this.shared = shared;
    this.listening = listening;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer().requestHandler(router());
    return server.listen(shared.port(), shared.config().host()).onSuccess(s -> listening.accept(s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    return server.shutdown(shared.config().drainSeconds(), TimeUnit.SECONDS);
  }

  private Router router() {
    ApiConfig config = shared.config();
    Scheduler scheduler = shared.scheduler();
    ErrorResponses errors = new ErrorResponses(config.errorLanguage(), config.maxBodyBytes());
    ModelsHandler models = new ModelsHandler(scheduler);
    StatusHandler status = new StatusHandler(shared.nodeId(), shared.membership(), scheduler, shared.recentJobs());
    ImageStore imageStore = new ImageStore(vertx, config.images().ttlSeconds() * 1000L, shared.seal());
    ImageOutput imageOutput = new ImageOutput(config.images().output(), imageStore);
    HealthHandler health = new HealthHandler(shared.nodeId(), shared.membership(), scheduler);
    Router router = Router.router(vertx);
    router.route().handler(new RequestIds());
    // Operations endpoints: no key, as load balancers and Prometheus expect.
    router.get("/health/live").handler(health::live);
    router.get("/health/ready").handler(health::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(shared.metrics()));
    DashboardHandler dashboard = new DashboardHandler();
    router.get("/").handler(dashboard::handle);
    router.get("/dashboard").handler(dashboard::handle);
    // Stored images need no key: their unguessable names are the permission (see ImagesHandler).
    router.get("/v1/images/:file").handler(new ImagesHandler(imageStore)::handle);
    router.route("/v1/*").handler(new ApiKeyAuth(config.keys()));
    router.post("/v1/chat/completions")
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(new ChatCompletionsHandler(vertx, config, scheduler, errors, imageOutput));
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

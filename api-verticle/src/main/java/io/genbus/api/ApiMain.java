package io.genbus.api;

import io.genbus.cluster.ClusterNode;
import io.genbus.cluster.NodeArgs;
import io.genbus.config.ApiConfig;
import io.genbus.config.ConfigLoader;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar genbus-api.jar [--config FILE] [cluster options]}: one API node. */
public final class ApiMain {

  private static final Logger LOG = LoggerFactory.getLogger(ApiMain.class);

  private ApiMain() {
  }

  public static void main(String[] args) {
    NodeArgs nodeArgs;
    ApiConfig config;
    try {
      nodeArgs = NodeArgs.parse(args, System.getenv());
      config = ConfigLoader.fromEnvironment().api(nodeArgs.config());
    } catch (RuntimeException e) {
      System.err.println("genbus api: " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      ClusterNode node = ClusterNode.start(nodeArgs.cluster())
          .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS)
          .closeOnShutdown(config.drainSeconds() + 30);
      ApiVerticle api = deploy(node, config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      if (config.keys().isEmpty()) {
        LOG.warn("api.keys is empty: anyone who can reach this port can use the API");
      }
      LOG.info("genbus API listening on http://{}:{}", config.host(), api.port());
    } catch (Exception e) {
      LOG.error("genbus api failed to start: {}", e.getMessage(), e);
      System.exit(1);
    }
  }

  /** Deploys the API verticle on a started node (also used by the tests). */
  public static Future<ApiVerticle> deploy(ClusterNode node, ApiConfig config) {
    ApiVerticle verticle = new ApiVerticle(config, node.nodeId(), node.membership());
    return node.vertx().deployVerticle(verticle).map(id -> verticle);
  }
}

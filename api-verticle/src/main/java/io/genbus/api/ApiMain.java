package io.genbus.api;

import io.genbus.cluster.ClusterNode;
import io.genbus.cluster.CommonPool;
import io.genbus.cluster.NodeMain;
import io.genbus.config.ApiConfig;
import io.genbus.config.ConfigLoader;
import io.genbus.config.DbConfig;
import io.vertx.core.Future;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar genbus-api.jar [--config FILE] [cluster options]}: one API node. */
public final class ApiMain {

  static {
    CommonPool.atLeastTwoThreads(); // before the first logger: Logback's start-up sizes the pool
  }

  private static final Logger LOG = LoggerFactory.getLogger(ApiMain.class);

  private ApiMain() {
  }

  public static void main(String[] args) {
    NodeMain.run("api", args, Configs::read, c -> c.api().drainSeconds(), (node, c) -> start(node, c.api(), c.db()));
  }

  /** An API node's sections of the config file: {@code api} and {@code db}. */
  record Configs(ApiConfig api, DbConfig db) {
    static Configs read(ConfigLoader loader, Path file) {
      return new Configs(loader.api(file), loader.db(file));
    }
  }

  private static Future<ApiVerticle> start(ClusterNode node, ApiConfig config, DbConfig db) {
    return deploy(node, config, db)
        .onSuccess(api -> {
          if (!config.authenticated() && config.allowAnonymous()) {
            LOG.warn("no api.keys, api.tenants or api.adminKeys, and api.allowAnonymous is true: anyone who can reach {}:{} can use the API",
                config.bindHost(), api.port());
          } else if (!config.authenticated()) {
            LOG.warn("no api.keys, api.tenants or api.adminKeys: listening on {} only, so that nobody else can use the API{}", config.bindHost(),
                config.bindHost().equals(config.host()) ? ""
                    : " (api.host " + config.host() + " needs api.keys, or api.allowAnonymous: true)");
          }
          if (api.opsPort() >= 0) {
            LOG.info("genbus API metrics and health on http://{}:{}", config.ops().host(), api.opsPort());
          }
          LOG.info("genbus API listening on http://{}:{}", config.bindHost(), api.port());
        });
  }

  /** Deploys the API verticle on a started node, without a database (also used by the tests). */
  public static Future<ApiVerticle> deploy(ClusterNode node, ApiConfig config) {
    return deploy(node, config, DbConfig.defaults());
  }

  /** Deploys the API verticle on a started node, keeping usage history where {@code db} says. */
  public static Future<ApiVerticle> deploy(ClusterNode node, ApiConfig config, DbConfig db) {
    ApiVerticle verticle = new ApiVerticle(config, db, node.nodeId(), node.membership(), node.metrics(), node.seal(),
        node.clusterManager().getHazelcastInstance());
    return node.vertx().deployVerticle(verticle).map(id -> verticle);
  }
}

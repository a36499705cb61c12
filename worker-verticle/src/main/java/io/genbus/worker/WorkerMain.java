package io.genbus.worker;

import io.genbus.cluster.ClusterNode;
import io.genbus.cluster.NodeArgs;
import io.genbus.config.ConfigLoader;
import io.genbus.config.WorkerConfig;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar genbus-worker.jar [--config FILE] [cluster options]}: one worker node. */
public final class WorkerMain {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerMain.class);

  private WorkerMain() {
  }

  public static void main(String[] args) throws Exception {
    NodeArgs nodeArgs;
    WorkerConfig config;
    try {
      nodeArgs = NodeArgs.parse(args, System.getenv());
      config = ConfigLoader.fromEnvironment().worker(nodeArgs.config());
    } catch (RuntimeException e) {
      System.err.println("genbus worker: " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      ClusterNode node = ClusterNode.start(nodeArgs.cluster())
          .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS)
          .closeOnShutdown(config.drainSeconds() + 30);
      deploy(node, config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("genbus worker failed to start: {}", e.getMessage(), e);
      System.exit(1);
    }
  }

  /** Deploys the worker verticle on a started node (also used by the tests). */
  public static Future<String> deploy(ClusterNode node, WorkerConfig config) {
    return node.vertx().deployVerticle(new WorkerVerticle(config, node.nodeId()));
  }
}

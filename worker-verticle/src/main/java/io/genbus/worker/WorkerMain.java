package io.genbus.worker;

import io.genbus.cluster.ClusterNode;
import io.genbus.cluster.CommonPool;
import io.genbus.cluster.NodeMain;
import io.genbus.config.ConfigLoader;
import io.genbus.config.WorkerConfig;
import io.vertx.core.Future;

/** {@code java -jar genbus-worker.jar [--config FILE] [cluster options]}: one worker node. */
public final class WorkerMain {

  static {
    CommonPool.atLeastTwoThreads(); // before the first logger: Logback's start-up sizes the pool
  }

  private WorkerMain() {
  }

  public static void main(String[] args) {
    NodeMain.run("worker", args, ConfigLoader::worker, WorkerConfig::drainSeconds, WorkerMain::deploy);
  }

  /** Deploys the worker verticle on a started node (also used by the tests). */
  public static Future<String> deploy(ClusterNode node, WorkerConfig config) {
    return node.vertx().deployVerticle(new WorkerVerticle(config, node.nodeId(), node.membership(), node.metrics(),
        node.seal()));
  }
}

package io.genbus.api.bench;

import io.genbus.api.ApiMain;
import io.genbus.cluster.ClusterNode;
import io.genbus.cluster.ClusterOptions;
import io.genbus.config.ConfigLoader;
import io.genbus.worker.WorkerMain;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * genbus in one JVM for the gateway benchmark: one clustered node that runs both the API verticle and the
 * worker verticle, read from one config file. {@code java ... OneJvm CONFIG CLUSTER_NAME}.
 */
public final class OneJvm {

  public static void main(String[] args) throws Exception {
    ConfigLoader loader = new ConfigLoader(Map.of());
    Path config = Path.of(args[0]);
    ClusterNode node = ClusterNode.start(ClusterOptions.loopback(args[1])).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS).closeOnShutdown(5);
    WorkerMain.deploy(node, loader.worker(config)).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    var api = ApiMain.deploy(node, loader.api(config)).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.out.println("genbus (one JVM) listening on " + api.port());
  }
}

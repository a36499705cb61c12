package io.genbus.api;

import io.genbus.cluster.ClusterNode;
import io.genbus.cluster.ClusterTls;
import io.genbus.config.ApiConfig;
import io.genbus.config.BackendConfig;
import io.genbus.config.ConfigLoader;
import io.genbus.config.DbConfig;
import io.genbus.config.WorkerConfig;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.StatusRequest;
import io.genbus.protocol.WorkerStats;
import io.genbus.testing.Eventually;
import io.genbus.testing.LoopbackCluster;
import io.genbus.worker.Generator;
import io.genbus.worker.WorkerMain;
import io.genbus.worker.WorkerVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Real clustered nodes on loopback for one test class: each node is its own Vert.x instance and Hazelcast
 * member, in a cluster with a random name so that nothing else on the machine joins it.
 */
final class TestCluster implements AutoCloseable {

  private final String name = "genbus-test-" + UUID.randomUUID();
  private final List<ClusterNode> nodes = new ArrayList<>();

  String name() {
    return name;
  }

  ClusterNode node() {
    return node(null);
  }

  /** A node of this cluster with {@code tls} (mutual TLS on the event bus, sealed maps); null = none. */
  ClusterNode node(ClusterTls tls) {
    // joined to the nodes already up by their addresses (see LoopbackCluster)
    ClusterNode node = await(ClusterNode.start(LoopbackCluster.nextNode(name, nodes).withTls(tls)));
    nodes.add(node);
    return node;
  }

  /** A worker node of its own running {@code config}. */
  ClusterNode worker(WorkerConfig config) {
    ClusterNode node = node();
    await(WorkerMain.deploy(node, config));
    return node;
  }

  /** A worker node of its own running {@code config}; its verticle tells the port of its endpoints (worker.httpPort). */
  WorkerVerticle workerVerticle(WorkerConfig config) {
    ClusterNode node = node();
    WorkerVerticle verticle = new WorkerVerticle(config, node.nodeId(), node.membership(), node.metrics(), node.seal());
    await(node.vertx().deployVerticle(verticle));
    return verticle;
  }

  /** A worker node whose backends are built by {@code generators} instead of the real factory. */
  ClusterNode worker(WorkerConfig config, BiFunction<Vertx, BackendConfig, Generator> generators) {
    ClusterNode node = node();
    await(node.vertx().deployVerticle(new WorkerVerticle(config, node.nodeId(), node.membership(), node.metrics(),
        node.seal(), generators)));
    return node;
  }

  /**
   * Stops a node as a crash would: Hazelcast goes away without a goodbye, Vert.x is closed afterwards. It waits
   * first until the cluster is safe (no partition migrating, every backup in step): with one backup, that is
   * the state in which Hazelcast promises to lose nothing to one member's crash; a node that joined a moment
   * ago may still be receiving its partitions.
   */
  void crash(ClusterNode node) {
    Eventually.eventually("the cluster is safe before a crash",
        () -> node.clusterManager().getHazelcastInstance().getPartitionService().isClusterSafe());
    node.clusterManager().getHazelcastInstance().getLifecycleService().terminate();
    nodes.remove(node);
    node.vertx().close();
  }

  /** An API verticle on {@code node}, on a free port. */
  ApiVerticle api(ClusterNode node, ApiConfig config) {
    return await(ApiMain.deploy(node, config.withPort(0)));
  }

  /** An API verticle on {@code node}, on a free port, keeping usage history where {@code db} says. */
  ApiVerticle api(ClusterNode node, ApiConfig config, DbConfig db) {
    return await(ApiMain.deploy(node, config.withPort(0), db));
  }

  WorkerStats workerStats(ClusterNode from, ClusterNode worker) {
    return workerStats(from, worker.nodeId());
  }

  /** Asks a worker node, by id, for its own counters over the event bus. */
  WorkerStats workerStats(ClusterNode from, String workerNodeId) {
    return await(from.vertx().eventBus()
        .<WorkerStats>request(Addresses.workerControl(workerNodeId), new StatusRequest())).body();
  }

  void stop(ClusterNode node) {
    nodes.remove(node);
    await(node.close());
  }

  @Override
  public void close() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      try {
        await(nodes.get(i).close());
      } catch (RuntimeException e) {
        // a node a test crashed on purpose
      }
    }
    nodes.clear();
  }

  /** An {@code api} section written as YAML, e.g. {@code "keepAliveSeconds: 1"}; port 0 unless given. */
  static ApiConfig apiConfig(String yaml) {
    return new ConfigLoader(Map.of()).apiFromText("host: 127.0.0.1\nport: 0\n" + yaml);
  }

  /** A {@code worker} section written as YAML. */
  static WorkerConfig workerConfig(String yaml) {
    return new ConfigLoader(Map.of()).workerFromText(yaml);
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

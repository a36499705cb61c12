package io.genbus.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import io.genbus.protocol.RecordCodec;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.FileNotFoundException;
import java.util.Collection;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One clustered Vert.x instance: Hazelcast configured from {@code cluster.xml} plus {@link ClusterOptions},
 * the protocol's codecs registered, and (for real processes) a shutdown hook that closes Vert.x so the
 * node leaves the cluster at once on Ctrl-C or SIGTERM.
 */
public record ClusterNode(Vertx vertx, HazelcastClusterManager clusterManager, PrometheusMeterRegistry metrics) {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

  public static Future<ClusterNode> start(ClusterOptions options) {
    Config config;
    try {
      config = hazelcastConfig(options);
    } catch (RuntimeException | FileNotFoundException e) {
      return Future.failedFuture(e);
    }
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(config);
    EventBusOptions eventBus = new EventBusOptions();
    if (options.host() != null) {
      eventBus.setHost(options.host());
    }
    if (options.publicHost() != null) {
      eventBus.setClusterPublicHost(options.publicHost());
    }
    // One Prometheus registry per node: Vert.x's own HTTP and event-bus metrics, and genbus's.
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    return Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(eventBus)
            .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(metrics))
        .withClusterManager(clusterManager)
        .buildClustered()
        .map(vertx -> {
          RecordCodec.registerAll(vertx.eventBus());
          return new ClusterNode(vertx, clusterManager, metrics);
        });
  }

  /** A fresh Hazelcast {@link Config} per node: joining mutates it, so it is never shared. */
  static Config hazelcastConfig(ClusterOptions options) throws FileNotFoundException {
    Config config = options.clusterXml() != null
        ? Config.loadFromFile(options.clusterXml().toFile())
        : Config.loadFromClasspath(ClusterNode.class.getClassLoader(), "cluster.xml");
    if (options.clusterName() != null) {
      config.setClusterName(options.clusterName());
    }
    NetworkConfig network = config.getNetworkConfig();
    if (options.host() != null) {
      network.getInterfaces().setEnabled(true).clear().addInterface(options.host());
    }
    if (options.publicHost() != null) {
      network.setPublicAddress(options.publicHost());
    }
    if (!options.members().isEmpty()) {
      network.getJoin().getMulticastConfig().setEnabled(false);
      network.getJoin().getTcpIpConfig().setEnabled(true).setMembers(options.members());
    }
    return config;
  }

  public String nodeId() {
    return clusterManager.getNodeId();
  }

  /** Hazelcast's membership of this node's cluster (Vert.x node ids are Hazelcast member UUIDs). */
  public Membership membership() {
    return new Membership() {
      @Override
      public Collection<String> nodes() {
        return clusterManager.getNodes();
      }

      @Override
      public void onNodeLeft(Consumer<String> listener) {
        clusterManager.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
          @Override
          public void memberAdded(MembershipEvent event) {
          }

          @Override
          public void memberRemoved(MembershipEvent event) {
            listener.accept(event.getMember().getUuid().toString());
          }
        });
      }
    };
  }

  public Future<Void> close() {
    return vertx.close();
  }

  /**
   * Closes Vert.x when the JVM is asked to stop. Vert.x installs no hook and vertx-hazelcast turns
   * Hazelcast's off, so without this a stopped node would linger in the cluster until it is timed out.
   * Closing undeploys the verticles first, which is where they drain; {@code graceSeconds} bounds it all.
   */
  public ClusterNode closeOnShutdown(long graceSeconds) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("Shutting down: leaving the cluster");
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(graceSeconds, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("Vert.x did not close cleanly: {}", e.toString());
      }
      LOG.info("Stopped");
      // Logs go through an asynchronous appender (no event loop waits for a disk): flush what is queued.
      NodeMain.stopLogging();
    }, "genbus-shutdown"));
    return this;
  }
}

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
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.FileNotFoundException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One clustered Vert.x instance: Hazelcast configured from {@code cluster.xml} plus {@link ClusterOptions},
 * both bound to the node's host only; the event bus with mutual TLS when the node has {@link ClusterTls}; the
 * {@link ClusterSeal} for what it keeps in Hazelcast maps; the protocol's codecs registered; and (for real
 * processes) a shutdown hook that closes Vert.x so the node leaves the cluster at once on Ctrl-C or SIGTERM.
 */
public record ClusterNode(Vertx vertx, HazelcastClusterManager clusterManager, PrometheusMeterRegistry metrics,
                          ClusterSeal seal) {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
  /** Where vertx-hazelcast keeps a member's Vert.x node id. */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  public static Future<ClusterNode> start(ClusterOptions options) {
    if (CommonPool.threadPerCallback()) {
      LOG.warn("the common fork-join pool has fewer than 2 threads: Hazelcast will start a thread for every "
          + "asynchronous map call; start the JVM with -D{}=2", CommonPool.PARALLELISM);
    }
    Config config;
    try {
      config = hazelcastConfig(options);
    } catch (RuntimeException | FileNotFoundException e) {
      return Future.failedFuture(e);
    }
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(config);
    EventBusOptions eventBus = eventBusOptions(options);
    // One Prometheus registry per node: Vert.x's own HTTP and event-bus metrics, and genbus's.
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ClusterSeal seal = options.tls() != null
        ? ClusterSeal.withSecret(options.tls().secret(), metrics) : ClusterSeal.plain(metrics);
    if (options.tls() != null) {
      options.tls().warnings().forEach(w -> LOG.warn("cluster TLS: {}", w));
    } else if (options.exposed()) {
      LOG.warn("\n" + "*".repeat(100) + "\nINSECURE CLUSTER (--insecure-cluster): this node listens on {} without TLS."
          + " Anyone who reaches\nits Hazelcast and event-bus ports can join the cluster, read prompts and images, send"
          + " jobs and crash\nthe node. Use --tls DIR (genbus certs; see SECURITY.md) unless this network is yours alone.\n"
          + "*".repeat(100), options.bindHost());
    }
    return Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(eventBus)
            .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(metrics))
        .withClusterManager(clusterManager)
        .buildClustered()
        .map(vertx -> {
          RecordCodec.registerAll(vertx.eventBus());
          return new ClusterNode(vertx, clusterManager, metrics, seal);
        });
  }

  /**
   * The event bus binds the node's host only (never 0.0.0.0), on {@code busPort}; with TLS material it speaks
   * TLS 1.3 only and requires a certificate from the cluster's CA of every peer, so a stranger is dropped at
   * the handshake, before the bus reads a single frame.
   */
  static EventBusOptions eventBusOptions(ClusterOptions options) {
    EventBusOptions eventBus = new EventBusOptions().setHost(options.bindHost()).setPort(options.busPort());
    if (options.publicHost() != null) {
      eventBus.setClusterPublicHost(options.publicHost());
    }
    ClusterTls tls = options.tls();
    if (tls != null) {
      eventBus.setSsl(true)
          .setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(tls.key().toString()).setCertPath(tls.cert().toString()))
          .setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()))
          .setEnabledSecureTransportProtocols(Set.of("TLSv1.3"))
          // Handshake crypto (a stranger can ask for as many as it likes) runs off the event loops.
          .setSslEngineOptions(new JdkSSLEngineOptions().setUseWorkerThread(true));
    }
    return eventBus;
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
    // Hazelcast listens on every interface unless told otherwise: bind the node's own address only.
    config.setProperty("hazelcast.socket.bind.any", "false");
    network.getInterfaces().setEnabled(true).clear().addInterface(address(options.bindHost()));
    if (options.publicHost() != null) {
      network.setPublicAddress(options.publicHost());
    }
    if (!options.members().isEmpty()) {
      network.getJoin().getMulticastConfig().setEnabled(false);
      network.getJoin().getTcpIpConfig().setEnabled(true).setMembers(options.members());
    }
    return config;
  }

  /** Hazelcast wants an address, not a name, in {@code <interfaces>}. */
  private static String address(String host) {
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--host " + host + ": unknown host", e);
    }
  }

  public String nodeId() {
    return clusterManager.getNodeId();
  }

  /**
   * Hazelcast's membership of this node's cluster, by Vert.x node id: the id workers are announced under,
   * which vertx-hazelcast keeps as a member attribute (it is not the Hazelcast member UUID).
   */
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
            String nodeId = event.getMember().getAttribute(VERTX_NODE_ID);
            if (nodeId != null) { // null: a member that is no Vert.x node
              listener.accept(nodeId);
            }
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

package io.genbus.cluster;

import io.genbus.config.ConfigLoader;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.ToLongFunction;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every node's {@code main} does: read the command line and its own config section, join the cluster,
 * close Vert.x on SIGTERM/Ctrl-C (after the verticles drained), deploy. Exit code 2 for a bad command line
 * or config, 1 when the node cannot start.
 */
public final class NodeMain {

  private static final Logger LOG = LoggerFactory.getLogger(NodeMain.class);

  private NodeMain() {
  }

  /** Writes out what the asynchronous appender still holds; later log calls are dropped. */
  public static void stopLogging() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logback) {
      logback.stop();
    }
  }

  /** Switches Logback to one JSON object a line (logback-json.xml), for log collectors. */
  static void jsonLogs() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(NodeMain.class.getResource("/logback-json.xml"));
    } catch (JoranException e) {
      throw new IllegalStateException("cannot switch to JSON logs: " + e.getMessage(), e);
    }
  }

  /**
   * @param kind          "api" or "worker", for messages
   * @param readConfig    reads this node's section of the config file (null = defaults)
   * @param drainSeconds  how long the node's verticles may take to drain when it is stopped
   * @param deploy        deploys the node's verticle(s) on the started cluster node
   */
  public static <C> void run(String kind, String[] args, BiFunction<ConfigLoader, Path, C> readConfig,
                             ToLongFunction<C> drainSeconds, BiFunction<ClusterNode, C, Future<?>> deploy) {
    NodeArgs nodeArgs;
    C config;
    try {
      nodeArgs = NodeArgs.parse(args, System.getenv());
      config = readConfig.apply(ConfigLoader.fromEnvironment(), nodeArgs.config());
      if (nodeArgs.jsonLogs()) {
        jsonLogs();
      }
    } catch (RuntimeException e) {
      System.err.println("genbus " + kind + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      ClusterNode node = ClusterNode.start(nodeArgs.cluster())
          .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS)
          .closeOnShutdown(drainSeconds.applyAsLong(config) + 30);
      deploy.apply(node, config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("genbus {} failed to start: {}", kind, e.getMessage(), e);
      stopLogging(); // the line above must reach stdout before the JVM goes
      System.exit(1);
    }
  }
}

package io.genbus.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.InterfacesConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The command line of a node ({@code --config FILE --cluster FILE --host H --public-host H --members A,B
 * --cluster-name N --tls DIR --bus-port N --insecure-cluster}); the cluster flags fall back to
 * {@code GENBUS_CLUSTER_*} environment variables. A node that would be reachable from the network without TLS
 * is refused here (see {@link ClusterOptions}).
 */
public record NodeArgs(Path config, ClusterOptions cluster, boolean jsonLogs) {

  public static final String USAGE = """
      options:
        --config FILE        YAML or JSON config (see README); default: built-in defaults
        --cluster FILE       Hazelcast config; default: the cluster.xml packaged in the jar
        --host ADDRESS       address this node binds for the cluster     (env GENBUS_CLUSTER_HOST)
        --public-host ADDR   address other nodes reach this node at      (env GENBUS_CLUSTER_PUBLIC_HOST)
        --members A,B        cluster members to join, host or host:port  (env GENBUS_CLUSTER_MEMBERS)
        --cluster-name NAME  only nodes with the same name join          (env GENBUS_CLUSTER_NAME)
        --tls DIR            mutual TLS on the event bus and sealed cluster maps, with the files
                             made by 'genbus certs DIR'                  (env GENBUS_CLUSTER_TLS_DIR)
        --bus-port N         fixed event-bus port (default: any free one) (env GENBUS_CLUSTER_BUS_PORT)
        --insecure-cluster   allow a non-loopback --host without --tls (a network you trust completely)
        --log-format FORMAT  text (default) or json, one object a line   (env GENBUS_LOG_FORMAT)""";

  public static NodeArgs parse(String[] args, Map<String, String> env) {
    Path config = null;
    Path clusterXml = null;
    String host = env.get("GENBUS_CLUSTER_HOST");
    String publicHost = env.get("GENBUS_CLUSTER_PUBLIC_HOST");
    String members = env.get("GENBUS_CLUSTER_MEMBERS");
    String name = env.get("GENBUS_CLUSTER_NAME");
    String logFormat = env.getOrDefault("GENBUS_LOG_FORMAT", "text");
    String tls = env.get("GENBUS_CLUSTER_TLS_DIR");
    String busPort = env.get("GENBUS_CLUSTER_BUS_PORT");
    boolean insecure = false;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("-h") || flag.equals("--help")) {
        throw new IllegalArgumentException(USAGE);
      }
      if (flag.equals("--insecure-cluster")) {
        insecure = true;
        continue;
      }
      if (!List.of("--config", "--cluster", "--host", "--public-host", "--members", "--cluster-name", "--log-format",
          "--tls", "--bus-port").contains(flag)) {
        throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + flag + "\n" + USAGE);
      }
      String value = args[++i];
      switch (flag) {
        case "--config" -> config = existing(value);
        case "--cluster" -> clusterXml = existing(value);
        case "--host" -> host = value;
        case "--public-host" -> publicHost = value;
        case "--members" -> members = value;
        case "--cluster-name" -> name = value;
        case "--log-format" -> logFormat = value;
        case "--tls" -> tls = value;
        case "--bus-port" -> busPort = value;
        default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
      }
    }
    List<String> memberList = members == null ? List.of()
        : Arrays.stream(members.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (!logFormat.equals("text") && !logFormat.equals("json")) {
      throw new IllegalArgumentException("--log-format must be text or json, not '" + logFormat + "'");
    }
    host = blankToNull(host);
    if (host == null && clusterXml != null) {
      host = interfaceOf(clusterXml);
    }
    ClusterTls material = blankToNull(tls) == null ? null : ClusterTls.load(Path.of(tls.trim()));
    return new NodeArgs(config, new ClusterOptions(clusterXml, blankToNull(name), host, blankToNull(publicHost),
        memberList, port(busPort), material, insecure), logFormat.equals("json"));
  }

  /**
   * The address a cluster file binds (its one {@code <interface>}), so that the event bus binds it too; null
   * when the file names none (then the node binds loopback).
   */
  static String interfaceOf(Path clusterXml) {
    InterfacesConfig interfaces;
    try {
      interfaces = Config.loadFromFile(clusterXml.toFile()).getNetworkConfig().getInterfaces();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read " + clusterXml + ": " + e.getMessage(), e);
    }
    if (!interfaces.isEnabled() || interfaces.getInterfaces().isEmpty()) {
      return null;
    }
    List<String> listed = List.copyOf(interfaces.getInterfaces());
    if (listed.size() > 1 || listed.get(0).contains("*") || listed.get(0).contains("-")) {
      throw new IllegalArgumentException(clusterXml + " lists the interfaces " + listed
          + ": give the one address this node binds with --host");
    }
    return listed.get(0);
  }

  private static int port(String value) {
    if (blankToNull(value) == null) {
      return 0;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--bus-port must be a port number, not '" + value + "'");
    }
  }

  private static Path existing(String file) {
    Path path = Path.of(file);
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("no such file: " + file);
    }
    return path;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}

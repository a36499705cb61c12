package io.genbus.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The command line of a node ({@code --config FILE --cluster FILE --host H --public-host H --members A,B
 * --cluster-name N}); the cluster flags fall back to {@code GENBUS_CLUSTER_*} environment variables.
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
        --log-format FORMAT  text (default) or json, one object a line   (env GENBUS_LOG_FORMAT)""";

  public static NodeArgs parse(String[] args, Map<String, String> env) {
    Path config = null;
    Path clusterXml = null;
    String host = env.get("GENBUS_CLUSTER_HOST");
    String publicHost = env.get("GENBUS_CLUSTER_PUBLIC_HOST");
    String members = env.get("GENBUS_CLUSTER_MEMBERS");
    String name = env.get("GENBUS_CLUSTER_NAME");
    String logFormat = env.getOrDefault("GENBUS_LOG_FORMAT", "text");
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("-h") || flag.equals("--help")) {
        throw new IllegalArgumentException(USAGE);
      }
      if (!List.of("--config", "--cluster", "--host", "--public-host", "--members", "--cluster-name", "--log-format").contains(flag)) {
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
        default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
      }
    }
    List<String> memberList = members == null ? List.of()
        : Arrays.stream(members.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (!logFormat.equals("text") && !logFormat.equals("json")) {
      throw new IllegalArgumentException("--log-format must be text or json, not '" + logFormat + "'");
    }
    return new NodeArgs(config, new ClusterOptions(clusterXml, blankToNull(name), blankToNull(host),
        blankToNull(publicHost), memberList), logFormat.equals("json"));
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

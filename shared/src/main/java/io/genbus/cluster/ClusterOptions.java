package io.genbus.cluster;

import java.nio.file.Path;
import java.util.List;

/**
 * How a node joins the cluster. Everything not set here comes from {@code cluster.xml}.
 *
 * @param clusterXml  the Hazelcast file; null = the {@code cluster.xml} packaged in the jar
 * @param clusterName overrides {@code <cluster-name>}: nodes with different names never meet
 * @param host        the address this node binds and announces (Hazelcast interface and event bus host)
 * @param publicHost  the address other nodes should use, when it differs from {@code host} (NAT, containers)
 * @param members     the TCP-IP members to join (host or host:port); empty = as in the file
 */
public record ClusterOptions(Path clusterXml, String clusterName, String host, String publicHost,
                             List<String> members) {

  public ClusterOptions {
    members = members == null ? List.of() : List.copyOf(members);
  }

  public static ClusterOptions defaults() {
    return new ClusterOptions(null, null, null, null, List.of());
  }

  /** A private cluster on loopback, for tests: nodes started with the same name find each other only. */
  public static ClusterOptions loopback(String clusterName) {
    return new ClusterOptions(null, clusterName, null, null, List.of());
  }
}

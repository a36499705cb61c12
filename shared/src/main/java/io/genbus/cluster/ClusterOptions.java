package io.genbus.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;

/**
 * How a node joins the cluster. Everything not set here comes from {@code cluster.xml}.
 *
 * <p>Secure by default: a node that would be reachable beyond loopback ({@code host} or {@code publicHost} not
 * a loopback address) must have {@code tls}, or say {@code insecure} out loud; anything else is refused here,
 * so no way of starting a node can skip the check.
 *
 * @param clusterXml  the Hazelcast file; null = the {@code cluster.xml} packaged in the jar
 * @param clusterName overrides {@code <cluster-name>}: nodes with different names never meet
 * @param host        the address this node binds and announces (Hazelcast interface and event bus host); null =
 *                    127.0.0.1
 * @param publicHost  the address other nodes should use, when it differs from {@code host} (NAT, containers)
 * @param members     the TCP-IP members to join (host or host:port); empty = as in the file
 * @param busPort     the event bus's port; 0 = any free one
 * @param tls         mutual TLS on the event bus and the secret that seals the Hazelcast maps; null = none
 * @param insecure    run on a non-loopback address without TLS (the operator trusts the network)
 */
public record ClusterOptions(Path clusterXml, String clusterName, String host, String publicHost,
                             List<String> members, int busPort, ClusterTls tls, boolean insecure) {

  /** Where a node binds when no host is given. */
  public static final String LOOPBACK = "127.0.0.1";

  public ClusterOptions {
    members = members == null ? List.of() : List.copyOf(members);
    if (busPort < 0 || busPort > 65_535) {
      throw new IllegalArgumentException("--bus-port must be from 0 (any free port) to 65535, not " + busPort);
    }
    if (tls == null && !insecure) {
      for (String[] address : new String[][] {{"--host", host}, {"--public-host", publicHost}}) {
        if (!isLoopback(address[1])) {
          throw new IllegalArgumentException(address[0] + " " + address[1] + " is not a loopback address: without TLS"
              + " anyone on that network could join the cluster, read its jobs and crash its nodes. Give --tls DIR"
              + " (make it with: genbus certs DIR --hosts " + address[1] + "; see SECURITY.md), or --insecure-cluster"
              + " to run without it on a network you trust completely.");
        }
      }
    }
  }

  public static ClusterOptions defaults() {
    return new ClusterOptions(null, null, null, null, List.of(), 0, null, false);
  }

  /** A private cluster on loopback, for tests: nodes started with the same name find each other only. */
  public static ClusterOptions loopback(String clusterName) {
    return new ClusterOptions(null, clusterName, null, null, List.of(), 0, null, false);
  }

  public ClusterOptions withTls(ClusterTls tls) {
    return new ClusterOptions(clusterXml, clusterName, host, publicHost, members, busPort, tls, insecure);
  }

  /** The address the node binds for the cluster. */
  public String bindHost() {
    return host != null ? host : LOOPBACK;
  }

  /** True when the node can be reached from other machines: it binds or announces a non-loopback address. */
  public boolean exposed() {
    return !isLoopback(host) || !isLoopback(publicHost);
  }

  static boolean isLoopback(String host) {
    if (host == null) {
      return true;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false; // unknown: take it for an outside address
    }
  }
}

package io.genbus.testing;

import com.hazelcast.cluster.Address;
import io.genbus.cluster.ClusterNode;
import io.genbus.cluster.ClusterOptions;
import java.util.Collection;

/** How test nodes of one private cluster on loopback find each other. */
public final class LoopbackCluster {

  private LoopbackCluster() {
  }

  /**
   * Options for one more node of the cluster {@code name}, pointed at the nodes already up by address. A
   * member given without a port is looked for on a few ports from 5701 only, which clusters of other runs on
   * the machine may hold while this cluster's nodes got higher ones.
   */
  public static ClusterOptions nextNode(String name, Collection<ClusterNode> running) {
    return new ClusterOptions(null, name, null, null, running.stream().map(LoopbackCluster::address).toList(), 0, null,
        false);
  }

  /** The Hazelcast address ({@code host:port}) of {@code node}, for another member to join it by. */
  public static String address(ClusterNode node) {
    Address address = node.clusterManager().getHazelcastInstance().getCluster().getLocalMember().getAddress();
    return address.getHost() + ":" + address.getPort();
  }
}

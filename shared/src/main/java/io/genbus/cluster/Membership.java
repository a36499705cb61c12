package io.genbus.cluster;

import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/** The cluster's members as Hazelcast sees them; lets API code react to a node leaving without a cluster in unit tests. */
public interface Membership {

  /** Node ids of the current members. */
  Collection<String> nodes();

  /**
   * Calls {@code listener} with the node id of every member that leaves or is declared dead, on a Hazelcast
   * thread: hop onto a Vert.x context before touching verticle state.
   */
  void onNodeLeft(Consumer<String> listener);

  /** A node on its own (a Vert.x instance that is not clustered, as in unit tests): always a member. */
  static Membership alone(String nodeId) {
    return new Membership() {
      @Override
      public Collection<String> nodes() {
        return List.of(nodeId);
      }

      @Override
      public void onNodeLeft(Consumer<String> listener) {
      }
    };
  }
}

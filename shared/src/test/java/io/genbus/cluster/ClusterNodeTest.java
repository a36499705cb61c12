package io.genbus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.testing.LoopbackCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two real clustered nodes on loopback. */
@DisplayName("A cluster node")
@ExtendWith(VertxExtension.class)
class ClusterNodeTest {

  @Test
  @DisplayName("names a member that left by its Vert.x node id, the id its workers are announced under")
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void nodeLeft(VertxTestContext ctx) {
    String name = "genbus-test-" + UUID.randomUUID();
    Promise<String> left = Promise.promise();
    ClusterNode.start(ClusterOptions.loopback(name)).compose(first -> {
      first.membership().onNodeLeft(left::tryComplete);
      return ClusterNode.start(LoopbackCluster.nextNode(name, List.of(first)))
          .compose(second -> {
            ctx.verify(() -> assertTrue(first.membership().nodes().contains(second.nodeId()), "joined"));
            return second.close().compose(v -> left.future()).map(id -> {
              ctx.verify(() -> {
                assertEquals(second.nodeId(), id);
                assertFalse(first.membership().nodes().contains(id), "still listed");
              });
              return id;
            });
          })
          .eventually(first::close);
    }).onComplete(ctx.succeedingThenComplete());
  }
}

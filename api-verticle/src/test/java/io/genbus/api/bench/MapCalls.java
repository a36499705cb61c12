package io.genbus.api.bench;

import io.genbus.cluster.ClusterNode;
import io.genbus.cluster.CommonPool;
import io.genbus.testing.LoopbackCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

/**
 * Cluster map calls as genbus makes them (the {@code AsyncMap} of a genbus node, vertx-hazelcast's, one member on
 * 127.0.0.1): a put then a get, one after the other from an event loop, for {@code n} pairs a round, three rounds.
 * Prints µs a pair and how many threads the JVM started meanwhile. {@code java ... MapCalls N}; the node's
 * common-pool sizing applies unless {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism} says otherwise.
 */
public final class MapCalls {

  public static void main(String[] args) throws Exception {
    CommonPool.atLeastTwoThreads(); // as a genbus node does first thing
    int n = Integer.parseInt(args[0]);
    ClusterNode node = await(ClusterNode.start(LoopbackCluster.nextNode("bench-map-" + ProcessHandle.current().pid(),
        List.of())));
    Vertx vertx = node.vertx();
    AsyncMap<String, String> map = await(vertx.sharedData().<String, String>getAsyncMap("bench"));
    System.out.printf("common pool: %d thread(s)%n", ForkJoinPool.getCommonPoolParallelism());
    for (int round = 1; round <= 3; round++) {
      Promise<Void> done = Promise.promise();
      long threadsBefore = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
      long start = System.nanoTime();
      vertx.runOnContext(v -> pairs(map, 0, n, done));
      await(done.future());
      long micros = (System.nanoTime() - start) / 1000;
      System.out.printf("round %d: %.1f µs a put + get, %d threads started%n", round, (double) micros / n,
          ManagementFactory.getThreadMXBean().getTotalStartedThreadCount() - threadsBefore);
    }
    await(node.close());
  }

  private static void pairs(AsyncMap<String, String> map, int i, int n, Promise<Void> done) {
    if (i == n) {
      done.complete();
      return;
    }
    String key = "k" + i % 100;
    map.put(key, "v").compose(v -> map.get(key)).onComplete(ar -> pairs(map, i + 1, n, done));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get();
  }
}

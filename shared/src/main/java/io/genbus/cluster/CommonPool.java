package io.genbus.cluster;

import java.util.concurrent.ForkJoinPool;

/**
 * The JVM's common fork-join pool, sized so that Hazelcast's asynchronous callbacks do not each start a
 * thread. Hazelcast completes the futures of asynchronous map calls (every {@code AsyncMap} call vertx-hazelcast
 * makes) on its default executor: the common pool when it has two threads or more, otherwise a new thread for
 * every callback. The common pool gets one thread less than the machine's cores, so on a 2-core VM or a
 * container limited to two CPUs every map call started a thread: a put and a get took ~500–900 µs against
 * ~100 µs with two threads (docs/benchmarks.md, "Cluster map calls").
 */
public final class CommonPool {

  static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  private CommonPool() {
  }

  /**
   * Asks for two threads where the machine would give fewer, unless the operator chose a size. Effective only
   * before the pool's first use, and Logback's start-up uses it: the nodes' main classes (and the example
   * application's) call this in a static initialiser placed before their first logger.
   */
  public static void atLeastTwoThreads() {
    String size = sizeFor(System.getProperty(PARALLELISM), Runtime.getRuntime().availableProcessors());
    if (size != null) {
      System.setProperty(PARALLELISM, size);
    }
  }

  /** The size to ask for, or null to leave it: the operator's choice stands; 3 cores or more give 2 threads. */
  static String sizeFor(String chosen, int cores) {
    return chosen == null && cores <= 2 ? "2" : null;
  }

  /** True if Hazelcast's callbacks start a thread each (the pool was sized before {@link #atLeastTwoThreads}). */
  public static boolean threadPerCallback() {
    return ForkJoinPool.getCommonPoolParallelism() < 2;
  }
}

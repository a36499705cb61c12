package io.genbus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the common fork-join pool Hazelcast's callbacks run on")
class CommonPoolTest {

  @Test
  @DisplayName("1 or 2 cores: two threads asked for; 3 or more: left as the JVM sizes it; an operator's size stands")
  void size() {
    assertEquals("2", CommonPool.sizeFor(null, 1));
    assertEquals("2", CommonPool.sizeFor(null, 2));
    assertNull(CommonPool.sizeFor(null, 3));
    assertNull(CommonPool.sizeFor("1", 2));
    assertNull(CommonPool.sizeFor("8", 2));
  }

  @Test
  @DisplayName("the test fork runs with two threads or more, so test nodes call back as deployed nodes do")
  void testForkSized() {
    assertFalse(CommonPool.threadPerCallback(), "parallelism " + ForkJoinPool.getCommonPoolParallelism());
  }
}

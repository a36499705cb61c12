package io.genbus.api.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.api.errors.ApiException;
import io.genbus.protocol.ErrorCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("node limits: open requests, streams and held bytes")
class NodeLimitsTest {

  @Test
  @DisplayName("the request past maxOpenJobs is refused with node_busy, and admitted again once one closes")
  void jobs() {
    NodeLimits limits = new NodeLimits(2, 2, 1000);
    NodeLimits.Ticket a = limits.open(1);
    limits.open(1);
    ApiException busy = assertThrows(ApiException.class, () -> limits.open(1));
    assertEquals(ErrorCode.NODE_BUSY, busy.code());
    a.close();
    a.close(); // idempotent: the end handler and an error path may both close
    assertEquals(1, limits.openJobs());
    limits.open(1);
  }

  @Test
  @DisplayName("streams have their own ceiling inside the jobs'")
  void streams() {
    NodeLimits limits = new NodeLimits(10, 1, 1000);
    NodeLimits.Ticket first = limits.open(0);
    first.stream();
    NodeLimits.Ticket second = limits.open(0);
    assertEquals(ErrorCode.NODE_BUSY, assertThrows(ApiException.class, second::stream).code());
    first.close();
    second.stream();
    assertEquals(1, limits.openStreams());
    second.close();
    assertEquals(0, limits.openStreams());
    assertEquals(0, limits.openJobs());
  }

  @Test
  @DisplayName("held bytes: refused past the ceiling, except a lone request, which always fits")
  void bytes() {
    NodeLimits limits = new NodeLimits(10, 10, 1000);
    NodeLimits.Ticket big = limits.open(5000); // nothing else held: admitted, or it could never run
    assertEquals(ErrorCode.NODE_BUSY, assertThrows(ApiException.class, () -> limits.open(1)).code());
    big.hold(600);
    NodeLimits.Ticket small = limits.open(400);
    assertEquals(1000, limits.heldBytes());
    assertThrows(ApiException.class, () -> small.hold(401));
    assertEquals(1000, limits.heldBytes(), "a refused hold keeps what it held");
    big.close();
    small.hold(900);
    small.close();
    small.hold(10); // closed: nothing comes back
    assertEquals(0, limits.heldBytes());
    assertTrue(NodeLimits.forHeap(1, 1).maxBytes() > 0);
  }
}

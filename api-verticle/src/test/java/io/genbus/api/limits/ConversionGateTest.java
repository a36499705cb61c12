package io.genbus.api.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("conversion gate")
class ConversionGateTest {

  @Test
  @DisplayName("slots: a quarter of the heap over the worst case, at least one, at most the cores")
  void slots() {
    long mib = 1024 * 1024;
    assertEquals(1, ConversionGate.slotsFor(256 * mib, 254 * mib, 8));
    assertEquals(2, ConversionGate.slotsFor(2048 * mib, 254 * mib, 8));
    assertEquals(2, ConversionGate.slotsFor(6144 * mib, 254 * mib, 2));
    assertEquals(1, ConversionGate.slotsFor(64 * mib, 254 * mib, 2));
  }

  @Test
  @DisplayName("no more than its slots run at once; the others wait in order; one whose client left is skipped")
  void bounded() {
    ConversionGate gate = new ConversionGate(2);
    List<Promise<String>> started = new ArrayList<>();
    List<String> order = new ArrayList<>();
    List<Future<String>> results = new ArrayList<>();
    boolean[] wanted = {true, true, true, false, true};
    for (int i = 0; i < 5; i++) {
      int n = i;
      results.add(gate.run(() -> wanted[n], () -> {
        order.add("c" + n);
        Promise<String> p = Promise.promise();
        started.add(p);
        return p.future();
      }));
    }
    assertEquals(2, gate.running());
    assertEquals(3, gate.waiting());
    assertEquals(List.of("c0", "c1"), order);
    started.get(0).complete("zero");
    assertEquals(List.of("c0", "c1", "c2"), order);
    started.get(1).fail("broken");
    assertEquals(List.of("c0", "c1", "c2", "c4"), order, "c3's client left: skipped, never converted");
    assertInstanceOf(ConversionGate.ClientGone.class, results.get(3).cause());
    assertEquals("zero", results.get(0).result());
    assertTrue(results.get(1).failed());
    started.get(2).complete("two");
    started.get(3).complete("four");
    assertEquals(0, gate.running());
    assertEquals(0, gate.waiting());
    assertEquals("four", results.get(4).result());
  }
}

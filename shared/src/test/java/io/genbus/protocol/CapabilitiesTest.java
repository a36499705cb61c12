package io.genbus.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Capabilities")
class CapabilitiesTest {

  static final Capabilities ANY = new Capabilities(List.of("auto"), List.of("any"), 16, 1024, 10, true, true, true, 3,
      List.of("png", "jpeg"));
  static final Capabilities RATIOS = new Capabilities(List.of("auto"), List.of("1:1", "16:9"), 1, 4096, 10, true, false,
      false, 0, List.of("png", "jpeg"));
  static final Capabilities EXACT = new Capabilities(List.of("1024x1024"), List.of(), 0, 0, 10, true, true, true, 0,
      List.of("png", "jpeg", "webp"));

  static ImageOptions options(Integer w, Integer h, String background, String format) {
    return new ImageOptions(w, h, null, format, null, background, 0, null);
  }

  @Test
  @DisplayName("sizes: exact, by ratio within 2 %, any ratio within the sides; auto only when announced")
  void sizes() {
    assertTrue(ANY.supportsSize(1024, 100));
    assertFalse(ANY.supportsSize(2048, 100));
    assertFalse(ANY.supportsSize(8, 8));
    assertTrue(RATIOS.supportsSize(1376, 768));
    assertFalse(RATIOS.supportsSize(1500, 768));
    assertTrue(EXACT.supportsSize(1024, 1024));
    assertFalse(EXACT.supportsSize(512, 512));
    assertFalse(EXACT.supportsSize(null, null), "no auto announced");
    assertEquals("16:9", Capabilities.nearestRatio(List.of("1:1", "16:9", "21:9"), 1792, 1008));
    assertNull(Capabilities.nearestRatio(List.of("1:1"), 1100, 1000));
  }

  @Test
  @DisplayName("the first parameter a backend cannot serve, by its Images API name")
  void unsupported() {
    assertNull(ANY.unsupported(options(512, 512, "transparent", "png"), 3, true, true));
    assertEquals("n", ANY.unsupported(null, 11, false, false));
    assertEquals("mask", RATIOS.unsupported(options(null, null, null, "png"), 1, true, true));
    assertEquals("background", RATIOS.unsupported(options(1024, 1024, "transparent", "png"), 1, false, false));
    assertEquals("output_format", ANY.unsupported(options(null, null, null, "webp"), 1, false, false));
    assertEquals("size", EXACT.unsupported(options(512, 512, null, "png"), 1, false, false));
  }

  @Test
  @DisplayName("the union shows what some worker can do")
  void union() {
    Capabilities all = Capabilities.union(List.of(RATIOS, EXACT));
    assertEquals(List.of("auto", "1024x1024"), all.sizes());
    assertEquals(List.of("png", "jpeg", "webp"), all.outputFormats());
    assertTrue(all.mask());
    assertEquals(4096, all.maxSide());
  }

  @Test
  @DisplayName("travel in a worker's announcement and come back whole; an announcement without them gets the basic ones")
  void announced() {
    WorkerInfo info = new WorkerInfo("n/0", "n", "local", List.of("m"), 2, Addresses.workerControl("n"), ANY);
    assertEquals(info, WorkerInfo.fromJson("n/0", info.toJson()));
    WorkerInfo old = WorkerInfo.fromJson("n/0", ("{\"workerId\":\"n/0\",\"nodeId\":\"n\",\"backend\":\"local\","
        + "\"models\":[\"m\"],\"concurrency\":2,\"controlAddress\":\"" + Addresses.workerControl("n") + "\"}").getBytes());
    assertEquals(Capabilities.basic(), old.capabilities());
    Capabilities huge = new Capabilities(Collections.nCopies(300, "1x1"), List.of(), 0, 0, 10, true, false,
        false, 0, List.of("png"));
    byte[] json = new WorkerInfo("n/0", "n", "local", List.of("m"), 2, Addresses.workerControl("n"), huge).toJson();
    assertThrows(IllegalArgumentException.class, () -> WorkerInfo.fromJson("n/0", json));
  }
}

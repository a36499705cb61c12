package io.genbus.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("sealed cluster-map values")
class ClusterSealTest {

  static final String MAP = "genbus.images";
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final byte[] secret = random(32);
  final ClusterSeal seal = ClusterSeal.withSecret(secret, registry);
  final byte[] image = "\u0089PNG a picture of a cat".getBytes(StandardCharsets.ISO_8859_1);

  static byte[] random(int n) {
    byte[] bytes = new byte[n];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }

  double rejected(String map) {
    var counter = registry.find("genbus.cluster.rejected.entries").tag("map", map).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  @DisplayName("a sealed value opens with the same secret, map and key, and does not hold the plaintext")
  void roundTrip() {
    Buffer sealed = seal.seal(MAP, "a.png", image);
    assertFalse(sealed.toString(StandardCharsets.ISO_8859_1).contains("a picture of a cat"));
    assertEquals(1 + 12 + image.length + 16, sealed.length(), "version, nonce, ciphertext, tag");
    assertArrayEquals(image, seal.open(MAP, "a.png", sealed).orElseThrow());
    // another node of the same cluster (same secret) reads it too
    assertArrayEquals(image, ClusterSeal.withSecret(secret, registry).open(MAP, "a.png", sealed).orElseThrow());
    assertNotEquals(sealed, seal.seal(MAP, "a.png", image), "a fresh nonce every time");
    assertEquals(0, rejected(MAP));
  }

  @Test
  @DisplayName("an altered, moved, foreign or unsealed value is refused and counted per map")
  void refusals() {
    Buffer sealed = seal.seal(MAP, "a.png", image);
    Buffer altered = sealed.copy();
    altered.setByte(20, (byte) (altered.getByte(20) ^ 1));
    assertTrue(seal.open(MAP, "a.png", altered).isEmpty(), "one flipped bit");
    assertTrue(seal.open(MAP, "b.png", sealed).isEmpty(), "moved to another key");
    assertTrue(seal.open("genbus.workers", "a.png", sealed).isEmpty(), "moved to another map");
    assertTrue(ClusterSeal.withSecret(random(32), registry).open(MAP, "a.png", sealed).isEmpty(), "another cluster's secret");
    assertTrue(seal.open(MAP, "a.png", ClusterSeal.plain(registry).seal(MAP, "a.png", image)).isEmpty(), "written without a secret");
    assertTrue(seal.open(MAP, "a.png", Buffer.buffer(image)).isEmpty(), "raw bytes");
    assertTrue(seal.open(MAP, "a.png", Buffer.buffer()).isEmpty(), "empty");
    assertTrue(seal.open(MAP, "a.png", sealed.getBuffer(0, 20)).isEmpty(), "truncated");
    assertTrue(seal.open(MAP, "a.png", new JsonObject().put("data", "x")).isEmpty(), "not even bytes");
    assertTrue(seal.open(MAP, "a.png", null).isEmpty(), "null");
    assertEquals(9, rejected(MAP));
    assertEquals(1, rejected("genbus.workers"));
  }

  @Test
  @DisplayName("without a secret values are framed plain, and a sealed value is refused")
  void plain() {
    ClusterSeal plain = ClusterSeal.plain(registry);
    Buffer framed = plain.seal(MAP, "a.png", image);
    assertEquals(image.length + 1, framed.length());
    assertArrayEquals(image, plain.open(MAP, "a.png", framed).orElseThrow());
    assertTrue(plain.open(MAP, "a.png", seal.seal(MAP, "a.png", image)).isEmpty());
    assertEquals(1, rejected(MAP));
  }

  @Test
  @DisplayName("a secret name becomes a map key that only the cluster can compute")
  void mapKeys() {
    String key = seal.mapKey(MAP, "0123456789abcdef0123456789abcdef.png");
    assertTrue(key.matches("[0-9a-f]{64}"), key);
    assertEquals(key, ClusterSeal.withSecret(secret, registry).mapKey(MAP, "0123456789abcdef0123456789abcdef.png"));
    assertNotEquals(key, ClusterSeal.withSecret(random(32), registry).mapKey(MAP, "0123456789abcdef0123456789abcdef.png"));
    assertNotEquals(key, seal.mapKey(MAP, "0123456789abcdef0123456789abcdef.jpg"));
    assertEquals("a.png", ClusterSeal.plain(registry).mapKey(MAP, "a.png"));
  }

  @Test
  @DisplayName("each map has its own key; a short secret is refused")
  void keys() {
    assertNotEquals(Buffer.buffer(ClusterSeal.hkdf(secret, "genbus.images".getBytes(StandardCharsets.UTF_8))),
        Buffer.buffer(ClusterSeal.hkdf(secret, "genbus.workers".getBytes(StandardCharsets.UTF_8))));
    assertThrows(IllegalArgumentException.class, () -> ClusterSeal.withSecret(random(16), registry));
  }
}

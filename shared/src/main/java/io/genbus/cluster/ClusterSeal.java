package io.genbus.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals the values genbus keeps in Hazelcast maps. Hazelcast's open-source edition has no authentication: anyone
 * who reaches its port and knows the cluster name joins as a member and can read and write every map. So with
 * a cluster secret ({@code cluster.key}, see {@link ClusterTls}) every value is encrypted and authenticated
 * with AES-256-GCM under a key derived for its map (HKDF-SHA256), bound to its map and key: a stranger can
 * neither read a value nor forge, alter or move one. Without a secret (a loopback cluster, {@code genbus up})
 * values are stored plain but framed the same way, and each kind refuses the other.
 *
 * <p>Keys can be secret too (an image's name is the permission to fetch it), and any member can list them:
 * {@link #mapKey} turns such a name into an HMAC of it under the cluster secret.
 *
 * <p>Format (docs/protocol.md): {@code 0x01 | 12-byte random nonce | ciphertext | 16-byte tag}, with the
 * associated data {@code "genbus.seal.v1/" + map + "/" + key}; or {@code 0x00 | plaintext} without a secret.
 *
 * <p>A value that fails the check is counted ({@code genbus_cluster_rejected_entries_total{map}}) and logged at
 * most once a minute per map, so a flood of forged entries cannot flood the log. Thread-safe.
 */
public final class ClusterSeal {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterSeal.class);
  private static final byte PLAIN = 0;
  private static final byte AES_GCM = 1;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final byte[] HKDF_SALT = "genbus cluster seal v1".getBytes(StandardCharsets.US_ASCII);
  private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final byte[] secret;
  private final MeterRegistry registry;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, SecretKey> keys = new ConcurrentHashMap<>();
  private final Map<String, Rejections> rejections = new ConcurrentHashMap<>();

  private ClusterSeal(byte[] secret, MeterRegistry registry) {
    this.secret = secret == null ? null : secret.clone();
    this.registry = registry;
  }

  /** Values sealed with {@code secret} (the cluster's {@code cluster.key}). */
  public static ClusterSeal withSecret(byte[] secret, MeterRegistry registry) {
    if (secret == null || secret.length < ClusterTls.SECRET_BYTES) {
      throw new IllegalArgumentException("the cluster secret needs at least " + ClusterTls.SECRET_BYTES + " bytes");
    }
    ClusterSeal seal = new ClusterSeal(secret, registry);
    // A round trip at startup: fails early on a JDK without AES-GCM, and the first seal on an event loop does not
    // pay for loading and linking the cipher.
    byte[] probe = {1, 2, 3};
    if (!Arrays.equals(probe, seal.open("startup", "probe", seal.seal("startup", "probe", probe)).orElse(null))) {
      throw new IllegalStateException("AES-GCM round trip failed");
    }
    return seal;
  }

  /** No secret: values are framed but readable by any member (loopback clusters only). */
  public static ClusterSeal plain(MeterRegistry registry) {
    return new ClusterSeal(null, registry);
  }

  /** Whether values are encrypted and authenticated. */
  public boolean sealed() {
    return secret != null;
  }

  /**
   * The map key under which to store {@code name} when the name itself must stay secret: hex HMAC-SHA256 of it
   * under a key derived for the map's keys; the name as it is without a cluster secret.
   */
  public String mapKey(String map, String name) {
    if (secret == null) {
      return name;
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(keys.computeIfAbsent("keys of " + map,
          m -> new SecretKeySpec(hkdf(secret, m.getBytes(StandardCharsets.UTF_8)), "HmacSHA256")));
      return HexFormat.of().formatHex(mac.doFinal(name.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no HmacSHA256 in this JDK", e);
    }
  }

  /** The value to store under {@code key} in {@code map}. */
  public Buffer seal(String map, String key, byte[] plaintext) {
    if (secret == null) {
      return Buffer.buffer(plaintext.length + 1).appendByte(PLAIN).appendBytes(plaintext);
    }
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key(map), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData(map, key));
      ByteBuffer out = ByteBuffer.allocate(1 + NONCE_BYTES + cipher.getOutputSize(plaintext.length));
      out.put(AES_GCM).put(nonce);
      cipher.doFinal(ByteBuffer.wrap(plaintext), out);
      return Buffer.buffer(out.array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot seal an entry of " + map + ": " + e, e);
    }
  }

  /**
   * The plaintext of a value read from {@code map} under {@code key}, or empty when it is not a value this
   * cluster sealed for that key (then it is counted and logged): anything a stranger may have put there.
   */
  public Optional<byte[]> open(String map, String key, Object stored) {
    if (!(stored instanceof Buffer buffer) || buffer.length() < 1) {
      reject(map, key, "not a sealed value (" + (stored == null ? "null" : stored.getClass().getSimpleName()) + ")");
      return Optional.empty();
    }
    byte[] bytes = buffer.getBytes();
    byte kind = bytes[0];
    if (secret == null) {
      if (kind != PLAIN) {
        reject(map, key, "sealed with a cluster secret, and this node has none (--tls)");
        return Optional.empty();
      }
      return Optional.of(Arrays.copyOfRange(bytes, 1, bytes.length));
    }
    if (kind != AES_GCM || bytes.length < 1 + NONCE_BYTES + TAG_BITS / 8) {
      reject(map, key, kind == PLAIN ? "not sealed (written by a node without the cluster secret)" : "not a sealed value");
      return Optional.empty();
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key(map), new GCMParameterSpec(TAG_BITS, bytes, 1, NONCE_BYTES));
      cipher.updateAAD(associatedData(map, key));
      return Optional.of(cipher.doFinal(bytes, 1 + NONCE_BYTES, bytes.length - 1 - NONCE_BYTES));
    } catch (GeneralSecurityException e) {
      reject(map, key, "failed authentication (forged, altered, moved, or sealed with another cluster secret)");
      return Optional.empty();
    }
  }

  /**
   * Counts and (at most once a minute per map) logs an entry that is ignored: failed {@link #open}, or opened
   * but is not what belongs in the map.
   */
  public void reject(String map, String key, String why) {
    rejections.computeIfAbsent(map, m -> new Rejections(Counter.builder("genbus.cluster.rejected.entries")
            .description("Entries of a cluster map ignored because they failed the seal check or were malformed")
            .tag("map", m)
            .register(registry)))
        .add(map, key, why);
  }

  private SecretKey key(String map) {
    return keys.computeIfAbsent(map, m -> new SecretKeySpec(hkdf(secret, m.getBytes(StandardCharsets.UTF_8)), "AES"));
  }

  private static byte[] associatedData(String map, String key) {
    return ("genbus.seal.v1/" + map + "/" + key).getBytes(StandardCharsets.UTF_8);
  }

  /** HKDF-SHA256 (RFC 5869) with a fixed salt: one 32-byte key per {@code info}. */
  static byte[] hkdf(byte[] ikm, byte[] info) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(HKDF_SALT, "HmacSHA256"));
      byte[] prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      mac.update(info);
      mac.update((byte) 1);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no HmacSHA256 in this JDK", e);
    }
  }

  /** One map's rejections: a counter, and a log line at most once a minute. */
  private static final class Rejections {
    private final Counter counter;
    private long lastLog = System.nanoTime() - LOG_EVERY_NANOS;
    private long unlogged;

    Rejections(Counter counter) {
      this.counter = counter;
    }

    synchronized void add(String map, String key, String why) {
      counter.increment();
      unlogged++;
      long now = System.nanoTime();
      if (now - lastLog >= LOG_EVERY_NANOS) {
        LOG.warn("ignored {} entr{} of the cluster map {} in the last minute (latest: key '{}', {}); a node with other"
                + " cluster material, or a stranger in the Hazelcast cluster? See SECURITY.md",
            unlogged, unlogged == 1 ? "y" : "ies", map, printable(key), why);
        lastLog = now;
        unlogged = 0;
      }
    }

    /** Keys may come from a stranger: short, and no control characters in the log. */
    private static String printable(String key) {
      String k = key == null ? "null" : key.replaceAll("\\p{Cntrl}", "?");
      return k.length() > 80 ? k.substring(0, 80) + "…" : k;
    }
  }
}

package io.genbus.api.images;

import io.genbus.cluster.ClusterSeal;
import io.genbus.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.shareddata.AsyncMap;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * Generated images kept in the cluster ({@link Addresses#IMAGES_MAP}, a Hazelcast map) for the {@code url}
 * output mode, so any API node can serve them. Names are 128 random bits plus the extension: unguessable,
 * so the URL itself is the permission to fetch. Entries expire after the configured TTL. Any Hazelcast member
 * can read the map, so with a cluster secret ({@link ClusterSeal}) the entry's key is an HMAC of the name (the
 * name stays secret) and its bytes are encrypted and authenticated; a value that fails the check is served as
 * unknown. Sealing runs on a worker thread.
 */
public final class ImageStore {

  private static final SecureRandom RANDOM = new SecureRandom();
  static final Map<String, String> EXTENSIONS = Map.of("image/png", "png", "image/jpeg", "jpg", "image/webp", "webp",
      "image/gif", "gif");

  private final Vertx vertx;
  private final long ttlMs;
  private final ClusterSeal seal;

  public ImageStore(Vertx vertx, long ttlMs, ClusterSeal seal) {
    this.vertx = vertx;
    this.ttlMs = ttlMs;
    this.seal = seal;
  }

  /** Stores the image; the future holds its file name ({@code <id>.<ext>}). */
  public Future<String> put(String mimeType, byte[] bytes) {
    return put(mimeType, bytes, ttlMs);
  }

  /** Stores the image for {@code ttl} ms (a durable job's images live as long as its record). */
  public Future<String> put(String mimeType, byte[] bytes, long ttl) {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    String name = HexFormat.of().formatHex(id) + "." + EXTENSIONS.getOrDefault(mimeType, "bin");
    String key = seal.mapKey(Addresses.IMAGES_MAP, name);
    return vertx.executeBlocking(() -> seal.seal(Addresses.IMAGES_MAP, key, bytes), false)
        .compose(sealed -> map().compose(m -> m.put(key, sealed, ttl)))
        .map(v -> name);
  }

  /** The image, or null when unknown, expired, or not sealed by this cluster. */
  public Future<Buffer> get(String name) {
    String key = seal.mapKey(Addresses.IMAGES_MAP, name);
    return map().compose(m -> m.get(key))
        .compose(stored -> stored == null ? Future.succeededFuture(null) : vertx.executeBlocking(
            () -> seal.open(Addresses.IMAGES_MAP, key, stored).map(Buffer::buffer).orElse(null), false));
  }

  public static String mimeTypeOf(String name) {
    String ext = name.substring(name.lastIndexOf('.') + 1);
    return EXTENSIONS.entrySet().stream().filter(e -> e.getValue().equals(ext)).map(Map.Entry::getKey)
        .findFirst().orElse("application/octet-stream");
  }

  private Future<AsyncMap<String, Object>> map() {
    return vertx.sharedData().getAsyncMap(Addresses.IMAGES_MAP);
  }
}

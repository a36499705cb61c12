package io.genbus.api.images;

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
 * so the URL itself is the permission to fetch. Entries expire after the configured TTL.
 */
public final class ImageStore {

  private static final SecureRandom RANDOM = new SecureRandom();
  static final Map<String, String> EXTENSIONS = Map.of("image/png", "png", "image/jpeg", "jpg", "image/webp", "webp",
      "image/gif", "gif");

  private final Vertx vertx;
  private final long ttlMs;

  public ImageStore(Vertx vertx, long ttlMs) {
    this.vertx = vertx;
    this.ttlMs = ttlMs;
  }

  /** Stores the image; the future holds its file name ({@code <id>.<ext>}). */
  public Future<String> put(String mimeType, byte[] bytes) {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    String name = HexFormat.of().formatHex(id) + "." + EXTENSIONS.getOrDefault(mimeType, "bin");
    return map().compose(m -> m.put(name, Buffer.buffer(bytes), ttlMs)).map(v -> name);
  }

  /** The image, or null when unknown or expired. */
  public Future<Buffer> get(String name) {
    return map().compose(m -> m.get(name));
  }

  public static String mimeTypeOf(String name) {
    String ext = name.substring(name.lastIndexOf('.') + 1);
    return EXTENSIONS.entrySet().stream().filter(e -> e.getValue().equals(ext)).map(Map.Entry::getKey)
        .findFirst().orElse("application/octet-stream");
  }

  private Future<AsyncMap<String, Buffer>> map() {
    return vertx.sharedData().getAsyncMap(Addresses.IMAGES_MAP);
  }
}

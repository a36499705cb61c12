package io.genbus.worker.upstream;

import io.genbus.imaging.ImageHeader;
import io.genbus.protocol.ErrorCode;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Image bytes an upstream sent or linked to: accepted only when ImageIO reads a PNG, JPEG, WebP or GIF header
 * from them (the dimensions, not the pixels: cheap), and then typed by what they are, not by what the upstream
 * claimed.
 */
public final class ImageBytes {

  private static final Logger LOG = LoggerFactory.getLogger(ImageBytes.class);
  private static final Map<String, String> TYPES = Map.of("png", "image/png", "jpeg", "image/jpeg", "jpg", "image/jpeg",
      "gif", "image/gif", "webp", "image/webp");

  private ImageBytes() {
  }

  /** The media type of a PNG, JPEG, WebP or GIF whose header reads, or null. Blocking: call off the event loop. */
  public static String mediaType(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return null;
    }
    String known = fromHeader(bytes);
    if (known != null) {
      return known;
    }
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      while (readers.hasNext()) {
        ImageReader reader = readers.next();
        try {
          String type = TYPES.get(reader.getFormatName().toLowerCase(Locale.ROOT));
          if (type != null) {
            in.seek(0);
            reader.setInput(in, true, true);
            if (reader.getWidth(0) > 0 && reader.getHeight(0) > 0) {
              return type;
            }
          }
        } catch (IOException | RuntimeException e) {
          // not this format after all: try the next reader
        } finally {
          reader.dispose();
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  /** The bytes of base64 an upstream sent; bad base64 is the upstream's error. */
  public static byte[] base64(String upstream, String data) {
    try {
      return Base64.getDecoder().decode(data);
    } catch (IllegalArgumentException e) {
      throw new GenerationException(ErrorCode.UPSTREAM_ERROR, upstream + " sent an image that is not valid base64");
    }
  }

  /**
   * Each image checked on a worker thread and given the media type its bytes show; one that is not a PNG,
   * JPEG, WebP or GIF fails the generation as the upstream's error.
   */
  public static Future<List<GeneratedImage>> checked(Vertx vertx, String upstream, List<GeneratedImage> images) {
    if (images.isEmpty()) {
      return Future.succeededFuture(images);
    }
    // The common case, every image's header readable, needs no worker thread (ImageIO's lookup of readers
    // alone cost more than the rest of a fast upstream's answer).
    List<GeneratedImage> byHeader = new ArrayList<>(images.size());
    for (GeneratedImage image : images) {
      String type = fromHeader(image.bytes());
      if (type == null) {
        byHeader = null;
        break;
      }
      byHeader.add(new GeneratedImage(type, image.bytes()));
    }
    if (byHeader != null) {
      return Future.succeededFuture(byHeader);
    }
    return vertx.executeBlocking(() -> {
      List<GeneratedImage> typed = new ArrayList<>(images.size());
      for (GeneratedImage image : images) {
        String type = mediaType(image.bytes());
        if (type == null) {
          LOG.warn("{} sent {} bytes that are not a PNG, JPEG, WebP or GIF image", upstream, image.bytes().length);
          throw new GenerationException(ErrorCode.UPSTREAM_ERROR, upstream + " sent an image that cannot be read");
        }
        typed.add(new GeneratedImage(type, image.bytes()));
      }
      return typed;
    }, false);
  }

  /** The media type a PNG, JPEG, GIF or WebP header names, with a size above zero; else null. */
  private static String fromHeader(byte[] bytes) {
    ImageHeader header = bytes == null ? null : ImageHeader.read(bytes);
    return header != null && header.width() > 0 && header.height() > 0 ? header.mimeType() : null;
  }
}

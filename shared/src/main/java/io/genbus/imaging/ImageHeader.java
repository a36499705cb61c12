package io.genbus.imaging;

/**
 * The format and pixel size of an encoded image, read from its first bytes only (no decoding, no ImageIO):
 * cheap enough for an event loop.
 *
 * @param format {@code png}, {@code jpeg}, {@code gif} or {@code webp}
 */
public record ImageHeader(String format, int width, int height) {

  /** The Images API's name of the format's media type, e.g. {@code image/jpeg}. */
  public String mimeType() {
    return "image/" + format;
  }

  /** The header of {@code bytes}, or null when they are none of the four formats or too short to tell. */
  public static ImageHeader read(byte[] b) {
    try {
      if (b.length >= 24 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
        return new ImageHeader("png", int32(b, 16), int32(b, 20));
      }
      if (b.length >= 10 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
        return new ImageHeader("gif", le16(b, 6), le16(b, 8));
      }
      if (b.length >= 4 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8) {
        return jpeg(b);
      }
      if (b.length >= 30 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
          && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
        return webp(b);
      }
    } catch (ArrayIndexOutOfBoundsException e) {
      return null; // truncated
    }
    return null;
  }

  /** The first start-of-frame marker holds the size; segments before it are skipped by their lengths. */
  private static ImageHeader jpeg(byte[] b) {
    int i = 2;
    while (i + 9 < b.length) {
      if ((b[i] & 0xff) != 0xFF) {
        return null;
      }
      int marker = b[i + 1] & 0xff;
      if (marker == 0xFF) {
        i++; // fill byte
        continue;
      }
      boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (sof) {
        return new ImageHeader("jpeg", int16(b, i + 7), int16(b, i + 5));
      }
      i += 2 + int16(b, i + 2);
    }
    return null;
  }

  private static ImageHeader webp(byte[] b) {
    String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
    return switch (chunk) {
      case "VP8 " -> new ImageHeader("webp", le16(b, 26) & 0x3fff, le16(b, 28) & 0x3fff);
      case "VP8L" -> new ImageHeader("webp", 1 + ((b[21] & 0xff) | (b[22] & 0x3f) << 8),
          1 + ((b[22] & 0xff) >> 6 | (b[23] & 0xff) << 2 | (b[24] & 0x0f) << 10));
      case "VP8X" -> new ImageHeader("webp", 1 + le24(b, 24), 1 + le24(b, 27));
      default -> null;
    };
  }

  private static int int32(byte[] b, int i) {
    return (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
  }

  private static int int16(byte[] b, int i) {
    return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
  }

  private static int le16(byte[] b, int i) {
    return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
  }

  private static int le24(byte[] b, int i) {
    return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16;
  }
}

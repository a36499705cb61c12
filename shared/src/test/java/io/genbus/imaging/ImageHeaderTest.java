package io.genbus.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Reading an image's header")
class ImageHeaderTest {

  static byte[] encode(String format, int w, int h) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), format, out);
    return out.toByteArray();
  }

  @Test
  @DisplayName("PNG, JPEG and GIF: format and size without decoding")
  void formats() throws Exception {
    assertEquals(new ImageHeader("png", 321, 123), ImageHeader.read(encode("png", 321, 123)));
    assertEquals(new ImageHeader("jpeg", 64, 1000), ImageHeader.read(encode("jpeg", 64, 1000)));
    assertEquals(new ImageHeader("gif", 7, 9), ImageHeader.read(encode("gif", 7, 9)));
    assertEquals("image/jpeg", ImageHeader.read(encode("jpeg", 1, 1)).mimeType());
  }

  @Test
  @DisplayName("WebP, lossy (VP8) and lossless (VP8L)")
  void webp() {
    byte[] vp8 = riff("VP8 ", new byte[] {0, 0, 0, (byte) 0x9d, 0x01, 0x2a, (byte) 0x20, 0x03, 0x58, 0x02});
    assertEquals(new ImageHeader("webp", 800, 600), ImageHeader.read(vp8));
    // VP8L: signature 0x2f, then 14 bits width-1 and 14 bits height-1: 24 × 16.
    int bits = (24 - 1) | (16 - 1) << 14;
    byte[] vp8l = riff("VP8L", new byte[] {0x2f, (byte) bits, (byte) (bits >> 8), (byte) (bits >> 16), (byte) (bits >> 24), 0, 0, 0, 0, 0});
    assertEquals(new ImageHeader("webp", 24, 16), ImageHeader.read(vp8l));
  }

  @Test
  @DisplayName("anything else, or too short: null")
  void unknown() throws Exception {
    assertNull(ImageHeader.read("hello world, not an image at all".getBytes()));
    assertNull(ImageHeader.read(Arrays.copyOf(encode("png", 10, 10), 12)));
    assertNull(ImageHeader.read(new byte[0]));
  }

  private static byte[] riff(String chunk, byte[] payload) {
    byte[] out = new byte[20 + payload.length];
    System.arraycopy("RIFF".getBytes(), 0, out, 0, 4);
    System.arraycopy("WEBP".getBytes(), 0, out, 8, 4);
    System.arraycopy(chunk.getBytes(), 0, out, 12, 4);
    System.arraycopy(payload, 0, out, 20, payload.length);
    return out;
  }
}

package io.genbus.worker.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.imaging.ImageHeader;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ImageOptions;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationResult.GeneratedImage;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The output format step")
class OutputFormatTest {

  static ImageOptions format(String format, Integer compression) {
    return new ImageOptions(null, null, null, format, compression, null, 0, null);
  }

  /** Red on the left, transparent on the right. */
  static GeneratedImage halfClearPng() {
    BufferedImage image = new BufferedImage(40, 20, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < 20; y++) {
      for (int x = 0; x < 20; x++) {
        image.setRGB(x, y, Color.RED.getRGB());
      }
    }
    return new GeneratedImage("image/png", OutputFormat.png(image));
  }

  @Test
  @DisplayName("an image already in the asked format goes as it is")
  void unchanged() {
    GeneratedImage png = halfClearPng();
    assertSame(png.bytes(), OutputFormat.apply(format("png", null), png).bytes());
    assertSame(png, OutputFormat.apply(null, png), "a chat job's images are left alone");
  }

  @Test
  @DisplayName("PNG to JPEG: flattened onto white, at the asked compression")
  void toJpeg() throws Exception {
    GeneratedImage jpeg = OutputFormat.apply(format("jpeg", 80), halfClearPng());
    assertEquals("image/jpeg", jpeg.mimeType());
    assertEquals("jpeg", ImageHeader.read(jpeg.bytes()).format());
    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(jpeg.bytes()));
    Color right = new Color(decoded.getRGB(35, 10));
    assertTrue(right.getRed() > 240 && right.getGreen() > 240 && right.getBlue() > 240, "white where it was clear: " + right);
    int small = OutputFormat.apply(format("jpeg", 5), halfClearPng()).bytes().length;
    assertTrue(small < jpeg.bytes().length, "compression 5 is smaller than 80");
  }

  @Test
  @DisplayName("WebP only as the backend made it: no encoder to convert to it")
  void noWebpEncoder() {
    GenerationException e = assertThrows(GenerationException.class, () -> OutputFormat.apply(format("webp", null), halfClearPng()));
    assertEquals(ErrorCode.UNSUPPORTED_PARAMETER, e.code());
  }
}

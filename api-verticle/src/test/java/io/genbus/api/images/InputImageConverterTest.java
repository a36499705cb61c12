package io.genbus.api.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.api.Fixtures;
import io.genbus.api.errors.ApiException;
import io.genbus.config.ImagesConfig;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.InputImage;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("input image conversion is bounded by maxSide, not by the image")
class InputImageConverterTest {

  @Test
  @DisplayName("a 16-bit RGBA PNG counts 8 bytes a pixel, from its header")
  void bytesPerPixel() throws Exception {
    byte[] png = Fixtures.solidPng16(64, Color.RED);
    try (ImageInputStream input = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
      ImageReader reader = readers.next();
      reader.setInput(input, false, true);
      assertEquals(8, InputImageConverter.bytesPerPixel(reader));
      reader.dispose();
    }
  }

  @Test
  @DisplayName("subsampling keeps the longest side at least maxSide, and the raster within its budget")
  void subsampling() {
    assertEquals(1, InputImageConverter.subsampling(2048, 1536, 4, 2048));
    assertEquals(1, InputImageConverter.subsampling(4000, 3000, 3, 2048)); // 36 MB: under 16 × 2048²
    assertEquals(3, InputImageConverter.subsampling(6300, 6300, 8, 2048)); // 2100² × 8 = 35 MB
    assertEquals(2, InputImageConverter.subsampling(4095, 4095, 8, 2048)); // 134 MB at 1: too much
    for (int side : new int[] {2049, 3000, 4095, 5000, 6300, 12_000}) {
      for (int bpp : new int[] {1, 3, 4, 6, 8}) {
        int f = InputImageConverter.subsampling(side, side, bpp, 2048);
        long decoded = (long) Math.ceil(side / (double) f);
        assertTrue(decoded * decoded * bpp <= InputImageConverter.rasterBudget(2048), side + " at " + bpp + " B/px");
        assertTrue(decoded < 2 * 2048, side + " at " + bpp + " B/px decodes to " + decoded);
      }
    }
  }

  @Test
  @DisplayName("a 6300² 16-bit PNG (318 MB decoded; refused by default, 40 MP allowed here) converts to a 2048² JPEG")
  void hugePng() throws Exception {
    byte[] png = Fixtures.solidPng16(6300, new Color(30, 140, 60));
    ImagePart part = new ImagePart("messages[0].content[1]", Fixtures.dataUrl("image/png", png));
    ApiException refused = assertThrows(ApiException.class, () -> new InputImageConverter(ImagesConfig.defaults()).convert(part));
    assertEquals(ErrorCode.IMAGE_TOO_LARGE, refused.code(), "39.7 MP is over the default 25 MP");
    InputImageConverter converter = new InputImageConverter(new ImagesConfig(null, null, 40_000_000L, null, null, null, null));
    InputImage converted = converter.convert(part);
    assertEquals("image/jpeg", converted.mimeType());
    assertEquals(2048, converted.width());
    assertEquals(2048, converted.height());
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(converted.data()));
    Color centre = new Color(image.getRGB(1024, 1024));
    assertTrue(Math.abs(centre.getGreen() - 140) < 8 && Math.abs(centre.getRed() - 30) < 8, centre.toString());
  }

  @Test
  @DisplayName("the worst case of one conversion is what sizes the conversion slots")
  void worstCase() {
    InputImageConverter converter = new InputImageConverter(ImagesConfig.defaults());
    long worst = converter.worstCaseBytes();
    // 20 MiB upload + 100 MB lossless-WebP raster + 32 × 2048² for the copies
    assertEquals(20L * 1024 * 1024 + 100_000_000L + 32L * 2048 * 2048, worst);
  }
}

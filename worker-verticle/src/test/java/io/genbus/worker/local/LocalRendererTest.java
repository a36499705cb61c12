package io.genbus.worker.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The local renderer")
class LocalRendererTest {

  private static BufferedImage decode(byte[] png) throws Exception {
    return ImageIO.read(new ByteArrayInputStream(png));
  }

  @Test
  @DisplayName("is deterministic: same prompt and seed, same bytes")
  void deterministic() {
    assertArrayEquals(LocalRenderer.renderPng("a cat", 7, 128), LocalRenderer.renderPng("a cat", 7, 128));
    assertFalse(Arrays.equals(LocalRenderer.renderPng("a cat", 7, 128), LocalRenderer.renderPng("a cat", 8, 128)));
  }

  @Test
  @DisplayName("makes a real PNG of the configured size")
  void pngOfSize() throws Exception {
    BufferedImage image = decode(LocalRenderer.renderPng("a cat", 0, 96));
    assertEquals(96, image.getWidth());
    assertEquals(96, image.getHeight());
  }

  @Test
  @DisplayName("draws pictures, not a flat colour: many distinct colours in every image")
  void notBlank() throws Exception {
    for (String prompt : new String[] {"a cat", "一只可爱的猫", "mountains at dawn", "x", "a blue sea"}) {
      BufferedImage image = decode(LocalRenderer.renderPng(prompt, 0, 64));
      long colours = Arrays.stream(image.getRGB(0, 0, 64, 64, null, 0, 64)).distinct().count();
      assertTrue(colours > 50, prompt + " has only " + colours + " colours");
    }
  }

  @Test
  @DisplayName("different prompts give visibly different pictures")
  void differentPrompts() throws Exception {
    String[] prompts = {"a cat", "a dog", "a red sunset", "a blue sea", "生成一只可爱的猫", "city at night"};
    for (int i = 0; i < prompts.length; i++) {
      for (int j = i + 1; j < prompts.length; j++) {
        double diff = meanDifference(decode(LocalRenderer.renderPng(prompts[i], 0, 64)),
            decode(LocalRenderer.renderPng(prompts[j], 0, 64)));
        assertTrue(diff > 10, prompts[i] + " vs " + prompts[j] + ": mean channel difference only " + diff);
      }
    }
  }

  @Test
  @DisplayName("colour words steer the palette")
  void colourWords() throws Exception {
    double[] red = meanRgb(decode(LocalRenderer.renderPng("something red", 0, 64)));
    double[] blue = meanRgb(decode(LocalRenderer.renderPng("something blue", 0, 64)));
    assertTrue(red[0] - red[2] > blue[0] - blue[2], "red image should lean red compared with the blue one");
  }

  private static double meanDifference(BufferedImage a, BufferedImage b) {
    long sum = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          sum += Math.abs(((p >> shift) & 0xff) - ((q >> shift) & 0xff));
        }
      }
    }
    return sum / (3.0 * a.getWidth() * a.getHeight());
  }

  private static double[] meanRgb(BufferedImage image) {
    double[] rgb = new double[3];
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int p = image.getRGB(x, y);
        rgb[0] += (p >> 16) & 0xff;
        rgb[1] += (p >> 8) & 0xff;
        rgb[2] += p & 0xff;
      }
    }
    return rgb;
  }

  @Test
  @DisplayName("draws any size, the same scene; transparent leaves the sky out")
  void sizesAndTransparency() {
    BufferedImage wide = LocalRenderer.render("a red sunset", 3, 300, 120, false);
    assertEquals(300, wide.getWidth());
    assertEquals(120, wide.getHeight());
    BufferedImage clear = LocalRenderer.render("a red sunset", 3, 300, 120, true);
    assertTrue(clear.getColorModel().hasAlpha());
    int transparent = 0;
    int same = 0;
    for (int y = 0; y < 120; y += 3) {
      for (int x = 0; x < 300; x += 3) {
        int p = clear.getRGB(x, y);
        if (p >>> 24 == 0) {
          transparent++;
        } else if (p >>> 24 == 255 && (p & 0xffffff) == (wide.getRGB(x, y) & 0xffffff)) {
          same++; // the scene itself is the same picture
        }
      }
    }
    assertTrue(transparent > 200, "transparent pixels: " + transparent);
    assertTrue(same > 200, "pixels of the scene drawn alike: " + same);
  }

  @Test
  @DisplayName("previews are the same picture at a lower resolution, sharper as the divisor falls")
  void previews() {
    BufferedImage full = LocalRenderer.render("waves at night", 5, 256, 256, false);
    double coarse = difference(LocalRenderer.preview("waves at night", 5, 256, 256, false, 8), full);
    double fine = difference(LocalRenderer.preview("waves at night", 5, 256, 256, false, 2), full);
    assertTrue(fine < coarse, "1/2 (" + fine + ") is closer to the image than 1/8 (" + coarse + ")");
    assertTrue(fine > 0, "a preview is not the image");
  }

  private static double difference(BufferedImage a, BufferedImage b) {
    long sum = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        sum += Math.abs(((p >> 16) & 0xff) - ((q >> 16) & 0xff)) + Math.abs(((p >> 8) & 0xff) - ((q >> 8) & 0xff))
            + Math.abs((p & 0xff) - (q & 0xff));
      }
    }
    return sum / (3.0 * a.getWidth() * a.getHeight());
  }
}

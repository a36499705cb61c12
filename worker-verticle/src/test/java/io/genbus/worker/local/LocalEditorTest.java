package io.genbus.worker.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.worker.local.LocalEditor.Edit;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The local image editor")
class LocalEditorTest {

  private static BufferedImage sample() {
    BufferedImage image = new BufferedImage(4, 2, BufferedImage.TYPE_INT_RGB);
    for (int x = 0; x < 4; x++) {
      image.setRGB(x, 0, new Color(40 * x + 20, 100, 160).getRGB());
      image.setRGB(x, 1, new Color(200, 30 * x + 10, 50).getRGB());
    }
    return image;
  }

  @Test
  @DisplayName("reads English and Chinese keywords, several at once")
  void keywords() {
    assertEquals(List.of(Edit.VIVID), LocalEditor.editsFor("让这张图片更加鲜艳"));
    assertEquals(List.of(Edit.GRAYSCALE), LocalEditor.editsFor("变成黑白"));
    assertEquals(List.of(Edit.ROTATE, Edit.MIRROR, Edit.BLUR), LocalEditor.editsFor("旋转, 镜像, 模糊"));
    assertEquals(List.of(Edit.FLIP, Edit.SEPIA, Edit.INVERT, Edit.SHARPEN),
        LocalEditor.editsFor("Flip it, sepia, invert and sharpen"));
    assertEquals(List.of(Edit.BRIGHTER), LocalEditor.editsFor("make it brighter"));
    assertEquals(List.of(Edit.DARKER), LocalEditor.editsFor("更暗一点"));
    assertEquals(List.of(), LocalEditor.editsFor("a cat"));
  }

  @Test
  @DisplayName("mirror swaps left and right; rotate 180 turns it around")
  void geometry() {
    BufferedImage in = sample();
    BufferedImage mirrored = LocalEditor.edit(in, "mirror", 0);
    assertEquals(in.getRGB(0, 0), mirrored.getRGB(3, 0));
    BufferedImage turned = LocalEditor.edit(in, "rotate 180", 0);
    assertEquals(in.getRGB(0, 0), turned.getRGB(3, 1));
  }

  @Test
  @DisplayName("invert twice gives the input back; no keyword gives a deterministic variation")
  void pixels() {
    BufferedImage in = sample();
    BufferedImage twice = LocalEditor.edit(LocalEditor.edit(in, "invert", 0), "invert", 0);
    assertArrayEquals(in.getRGB(0, 0, 4, 2, null, 0, 4), twice.getRGB(0, 0, 4, 2, null, 0, 4));
    int[] a = LocalEditor.edit(in, "a cat", 1).getRGB(0, 0, 4, 2, null, 0, 4);
    int[] b = LocalEditor.edit(in, "a cat", 1).getRGB(0, 0, 4, 2, null, 0, 4);
    assertArrayEquals(a, b);
    assertNotEquals(java.util.Arrays.toString(in.getRGB(0, 0, 4, 2, null, 0, 4)), java.util.Arrays.toString(a));
    Color darker = new Color(LocalEditor.edit(in, "darker", 0).getRGB(1, 1));
    Color original = new Color(in.getRGB(1, 1));
    assertTrue(darker.getRed() < original.getRed());
  }
}

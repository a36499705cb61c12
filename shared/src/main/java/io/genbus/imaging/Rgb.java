package io.genbus.imaging;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** Image helpers both sides need. */
public final class Rgb {

  private Rgb() {
  }

  /**
   * The image as plain RGB, transparency flattened onto white: JPEG has no alpha, and a plain RGB copy
   * would turn transparent pixels black.
   */
  public static BufferedImage onWhite(BufferedImage image) {
    BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = rgb.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, image.getWidth(), image.getHeight());
      g.drawImage(image, 0, 0, null);
    } finally {
      g.dispose();
    }
    return rgb;
  }

  /** {@code image} stretched to {@code w}×{@code h}, bilinear; with an alpha channel when {@code alpha}. */
  public static BufferedImage stretched(BufferedImage image, int w, int h, boolean alpha) {
    BufferedImage out = new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(image, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    return out;
  }
}

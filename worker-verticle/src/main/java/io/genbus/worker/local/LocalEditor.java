package io.genbus.worker.local;

import io.genbus.imaging.Rgb;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.awt.image.ConvolveOp;
import java.awt.image.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A small real image editor for the offline backend: the prompt's keywords (English or Chinese) choose
 * edits, applied in a fixed order; several may combine ("mirror it and make it vivid"). A prompt with none
 * of them gives a deterministic stylised variation. Pure and blocking: worker threads only.
 */
public final class LocalEditor {

  /** One edit and the words that ask for it. */
  enum Edit {
    ROTATE("rotate", "旋转"),
    FLIP("flip", "翻转", "upside down"),
    MIRROR("mirror", "镜像"),
    GRAYSCALE("grayscale", "greyscale", "black and white", "黑白"),
    SEPIA("sepia", "vintage", "复古"),
    VIVID("vivid", "saturat", "鲜艳"),
    BRIGHTER("bright", "lighter", "亮"),
    DARKER("dark", "暗"),
    INVERT("invert", "negative", "反色"),
    BLUR("blur", "模糊"),
    SHARPEN("sharpen", "锐化");

    final String[] words;

    Edit(String... words) {
      this.words = words;
    }

    boolean askedIn(String prompt) {
      for (String w : words) {
        if (prompt.contains(w)) {
          return true;
        }
      }
      return false;
    }
  }

  private LocalEditor() {
  }

  /** The edits a prompt asks for, in the order they are applied. */
  static List<Edit> editsFor(String prompt) {
    String p = prompt.toLowerCase(Locale.ROOT);
    List<Edit> edits = new ArrayList<>();
    for (Edit e : Edit.values()) {
      if (e.askedIn(p)) {
        edits.add(e);
      }
    }
    return edits;
  }

  public static BufferedImage edit(BufferedImage input, String prompt, long seed) {
    BufferedImage image = toRgb(input);
    List<Edit> edits = editsFor(prompt);
    if (edits.isEmpty()) {
      return variation(image, prompt, seed);
    }
    for (Edit e : edits) {
      image = switch (e) {
        case ROTATE -> rotate(image, prompt.contains("180") ? 180 : 90);
        case FLIP -> transform(image, new AffineTransform(1, 0, 0, -1, 0, image.getHeight()));
        case MIRROR -> transform(image, new AffineTransform(-1, 0, 0, 1, image.getWidth(), 0));
        case GRAYSCALE -> mapPixels(image, LocalEditor::gray);
        case SEPIA -> mapPixels(image, LocalEditor::sepia);
        case VIVID -> adjustHsb(image, 1.5f, 1f);
        case BRIGHTER -> adjustHsb(image, 1f, 1.25f);
        case DARKER -> adjustHsb(image, 1f, 0.7f);
        case INVERT -> mapPixels(image, (r, g, b) -> rgb(255 - r, 255 - g, 255 - b));
        case BLUR -> convolve(image, new float[] {1, 2, 1, 2, 4, 2, 1, 2, 1}, 16f);
        case SHARPEN -> convolve(image, new float[] {0, -1, 0, -1, 5, -1, 0, -1, 0}, 1f);
      };
    }
    return image;
  }

  /**
   * Several input images become one {@code w}×{@code h} picture, as a real model answers several images with
   * one: laid out in a grid (one image fills the canvas, two sit side by side, …), each scaled to fit its
   * cell with its aspect ratio kept, on white, or on transparency when {@code transparent}.
   */
  static BufferedImage compose(List<BufferedImage> inputs, int w, int h, boolean transparent) {
    BufferedImage canvas = new BufferedImage(w, h, transparent ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    int cols = (int) Math.ceil(Math.sqrt(inputs.size()));
    int rows = (int) Math.ceil(inputs.size() / (double) cols);
    Graphics2D g = canvas.createGraphics();
    try {
      if (!transparent) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
      }
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      for (int i = 0; i < inputs.size(); i++) {
        BufferedImage input = inputs.get(i);
        int cellX = w * (i % cols) / cols;
        int cellY = h * (i / cols) / rows;
        int cellW = w * (i % cols + 1) / cols - cellX;
        int cellH = h * (i / cols + 1) / rows - cellY;
        double scale = Math.min((double) cellW / input.getWidth(), (double) cellH / input.getHeight());
        int dw = Math.max(1, (int) Math.round(input.getWidth() * scale));
        int dh = Math.max(1, (int) Math.round(input.getHeight() * scale));
        g.drawImage(input, cellX + (cellW - dw) / 2, cellY + (cellH - dh) / 2, dw, dh, null);
      }
    } finally {
      g.dispose();
    }
    return canvas;
  }

  /**
   * The edited picture, kept only where the mask is transparent (the original shows through where it is
   * opaque, as the Images API's masks mean), with the canvas's transparency. An edit that changed the size
   * (a quarter turn of a non-square picture) has nothing to line up with, so it is returned whole.
   */
  static BufferedImage finish(BufferedImage canvas, BufferedImage edited, BufferedImage mask) {
    boolean alpha = canvas.getColorModel().hasAlpha();
    if ((mask == null && !alpha) || edited.getWidth() != canvas.getWidth() || edited.getHeight() != canvas.getHeight()) {
      return edited;
    }
    int w = canvas.getWidth();
    int h = canvas.getHeight();
    BufferedImage fitted = mask == null ? null : LocalRenderer.scaled(mask, w, h);
    BufferedImage out = new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int original = canvas.getRGB(x, y);
        int changed = edited.getRGB(x, y);
        int keep = fitted == null ? 0 : (fitted.getRGB(x, y) >>> 24); // 255: keep the original, 0: take the edit
        int rgb = blend(changed, original, keep);
        out.setRGB(x, y, (original & 0xff000000) | (rgb & 0xffffff));
      }
    }
    return out;
  }

  private static int blend(int changed, int original, int keep) {
    int r = (((changed >> 16) & 0xff) * (255 - keep) + ((original >> 16) & 0xff) * keep) / 255;
    int g = (((changed >> 8) & 0xff) * (255 - keep) + ((original >> 8) & 0xff) * keep) / 255;
    int b = ((changed & 0xff) * (255 - keep) + (original & 0xff) * keep) / 255;
    return rgb(r, g, b);
  }

  /** No keyword: a posterised, hue-shifted take on the input, the same for the same prompt and seed. */
  private static BufferedImage variation(BufferedImage image, String prompt, long seed) {
    Random rnd = new Random(prompt.hashCode() * 31L + seed);
    float hueShift = 0.1f + 0.8f * rnd.nextFloat();
    int levels = 4 + rnd.nextInt(4);
    BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
    float[] hsb = new float[3];
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int p = image.getRGB(x, y);
        Color.RGBtoHSB((p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff, hsb);
        float b = Math.round(hsb[2] * levels) / (float) levels;
        out.setRGB(x, y, Color.HSBtoRGB(hsb[0] + hueShift, Math.min(1f, hsb[1] * 1.2f), b));
      }
    }
    return out;
  }

  private interface PixelMap {
    int apply(int r, int g, int b);
  }

  private static BufferedImage mapPixels(BufferedImage image, PixelMap map) {
    BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int p = image.getRGB(x, y);
        out.setRGB(x, y, map.apply((p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff));
      }
    }
    return out;
  }

  private static BufferedImage adjustHsb(BufferedImage image, float saturation, float brightness) {
    float[] hsb = new float[3];
    return mapPixels(image, (r, g, b) -> {
      Color.RGBtoHSB(r, g, b, hsb);
      return Color.HSBtoRGB(hsb[0], Math.min(1f, hsb[1] * saturation), Math.min(1f, hsb[2] * brightness));
    });
  }

  private static int gray(int r, int g, int b) {
    int y = (int) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    return rgb(y, y, y);
  }

  private static int sepia(int r, int g, int b) {
    return rgb((int) (0.393 * r + 0.769 * g + 0.189 * b), (int) (0.349 * r + 0.686 * g + 0.168 * b),
        (int) (0.272 * r + 0.534 * g + 0.131 * b));
  }

  private static int rgb(int r, int g, int b) {
    return (clamp(r) << 16) | (clamp(g) << 8) | clamp(b);
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }

  private static BufferedImage convolve(BufferedImage image, float[] kernel, float divisor) {
    float[] k = kernel.clone();
    for (int i = 0; i < k.length; i++) {
      k[i] /= divisor;
    }
    BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
    return new ConvolveOp(new Kernel(3, 3, k), ConvolveOp.EDGE_NO_OP, null).filter(image, out);
  }

  private static BufferedImage rotate(BufferedImage image, int degrees) {
    int w = image.getWidth();
    int h = image.getHeight();
    boolean quarter = degrees == 90;
    BufferedImage out = new BufferedImage(quarter ? h : w, quarter ? w : h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      AffineTransform t = quarter
          ? new AffineTransform(0, 1, -1, 0, h, 0)
          : new AffineTransform(-1, 0, 0, -1, w, h);
      g.drawImage(image, t, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private static BufferedImage transform(BufferedImage image, AffineTransform t) {
    BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
    return new AffineTransformOp(t, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(image, out);
  }

  private static BufferedImage toRgb(BufferedImage image) {
    return image.getType() == BufferedImage.TYPE_INT_RGB ? image : Rgb.onWhite(image);
  }
}

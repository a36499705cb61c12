package io.genbus.worker.local;

import io.genbus.imaging.Rgb;
import io.genbus.worker.output.OutputFormat;
import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RadialGradientPaint;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Draws a deterministic picture from a prompt: the prompt and seed are hashed into a random generator
 * that picks a scene (landscape, bokeh, waves or shards), a palette and every shape. Colour words in the
 * prompt ("red", "蓝", …) steer the palette, so "a red sunset" and "a blue sea" look like what they say.
 * Same prompt and seed → same PNG bytes; a different prompt → a visibly different picture.
 *
 * <p>Pure and blocking: call it from a worker thread, never from an event loop.
 */
public final class LocalRenderer {

  /** Colour words and the hue (0–1) they pull the palette to. */
  private static final List<Map.Entry<String, Float>> HUES = List.of( // ordered: the first word found wins
      Map.entry("red", 0.0f), Map.entry("红", 0.0f),
      Map.entry("orange", 0.07f), Map.entry("橙", 0.07f), Map.entry("sunset", 0.05f),
      Map.entry("yellow", 0.14f), Map.entry("黄", 0.14f), Map.entry("gold", 0.12f),
      Map.entry("green", 0.33f), Map.entry("绿", 0.33f), Map.entry("forest", 0.3f),
      Map.entry("cyan", 0.5f), Map.entry("青", 0.5f),
      Map.entry("blue", 0.6f), Map.entry("蓝", 0.6f), Map.entry("sea", 0.58f), Map.entry("ocean", 0.58f),
      Map.entry("purple", 0.77f), Map.entry("紫", 0.77f),
      Map.entry("pink", 0.9f), Map.entry("粉", 0.9f));

  private LocalRenderer() {
  }

  /** Renders the prompt as a {@code size}×{@code size} PNG. */
  public static byte[] renderPng(String prompt, long seed, int size) {
    return encodePng(render(prompt, seed, size, size, false));
  }

  static byte[] encodePng(BufferedImage image) {
    return OutputFormat.png(image);
  }

  static BufferedImage render(String prompt, long seed, int size) {
    return render(prompt, seed, size, size, false);
  }

  /**
   * The picture at {@code w}×{@code h}. With {@code transparent} the sky is left out (the random numbers it
   * would use are still drawn, so the scene is the same) and the image has an alpha channel.
   */
  static BufferedImage render(String prompt, long seed, int w, int h, boolean transparent) {
    Random rnd = new Random(hash(prompt, seed));
    float hue = steeredHue(prompt, rnd.nextFloat());
    BufferedImage image = new BufferedImage(w, h, transparent ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      sky(g, rnd, hue, w, h, !transparent);
      switch (rnd.nextInt(4)) {
        case 0 -> landscape(g, rnd, hue, w, h);
        case 1 -> bokeh(g, rnd, hue, w, h);
        case 2 -> waves(g, rnd, hue, w, h);
        default -> shards(g, rnd, hue, w, h);
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  /**
   * A partial image: the same picture drawn at 1/{@code divisor} of its resolution and scaled back up, so a
   * stream of them (divisor 8, 4, 2) sharpens towards the final image as a diffusion model's previews do.
   */
  static BufferedImage preview(String prompt, long seed, int w, int h, boolean transparent, int divisor) {
    BufferedImage small = render(prompt, seed, Math.max(8, w / divisor), Math.max(8, h / divisor), transparent);
    return scaled(small, w, h);
  }

  /** {@code image} stretched to {@code w}×{@code h}, bilinear, keeping its alpha channel if it has one. */
  static BufferedImage scaled(BufferedImage image, int w, int h) {
    return Rgb.stretched(image, w, h, image.getColorModel().hasAlpha());
  }

  private static void sky(Graphics2D g, Random rnd, float hue, int w, int h, boolean paint) {
    Color top = hsb(hue + 0.05f * rnd.nextFloat(), 0.55f + 0.3f * rnd.nextFloat(), 0.25f + 0.3f * rnd.nextFloat());
    Color bottom = hsb(hue + 0.12f, 0.35f + 0.3f * rnd.nextFloat(), 0.8f + 0.2f * rnd.nextFloat());
    float x = w * rnd.nextFloat() * 0.3f;
    if (paint) {
      g.setPaint(new GradientPaint(0, 0, top, x, h, bottom));
      g.fillRect(0, 0, w, h);
    }
  }

  private static void landscape(Graphics2D g, Random rnd, float hue, int w, int h) {
    int s = Math.min(w, h);
    float sunX = w * (0.2f + 0.6f * rnd.nextFloat());
    float sunY = h * (0.15f + 0.3f * rnd.nextFloat());
    float radius = s * (0.08f + 0.1f * rnd.nextFloat());
    glow(g, sunX, sunY, radius, hsb(hue + 0.5f, 0.6f, 1f));
    int layers = 3 + rnd.nextInt(3);
    for (int layer = 0; layer < layers; layer++) {
      float base = h * (0.45f + 0.5f * layer / layers);
      float amplitude = h * (0.05f + 0.12f * rnd.nextFloat());
      Path2D ridge = new Path2D.Float();
      ridge.moveTo(0, h);
      float phase = rnd.nextFloat() * 6.28f;
      float freq = 2f + 6f * rnd.nextFloat();
      for (int x = 0; x <= w; x += Math.max(1, w / 64)) {
        double t = (double) x / w;
        double y = base - amplitude * (Math.sin(t * freq + phase) + 0.5 * Math.sin(t * freq * 2.7 + phase * 1.3));
        ridge.lineTo(x, y);
      }
      ridge.lineTo(w, h);
      ridge.closePath();
      g.setColor(hsb(hue + 0.3f + 0.05f * layer, 0.5f, 0.55f - 0.4f * layer / layers));
      g.fill(ridge);
    }
  }

  private static void bokeh(Graphics2D g, Random rnd, float hue, int w, int h) {
    int s = Math.min(w, h);
    int count = 25 + rnd.nextInt(40);
    for (int i = 0; i < count; i++) {
      float r = s * (0.02f + 0.12f * rnd.nextFloat() * rnd.nextFloat());
      float x = w * rnd.nextFloat();
      float y = h * rnd.nextFloat();
      g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.25f + 0.55f * rnd.nextFloat()));
      glow(g, x, y, r, hsb(hue + 0.25f * (rnd.nextFloat() - 0.5f) + (i % 3) * 0.33f, 0.7f, 1f));
    }
    g.setComposite(AlphaComposite.SrcOver);
  }

  private static void waves(Graphics2D g, Random rnd, float hue, int w, int h) {
    int s = Math.min(w, h);
    int bands = 5 + rnd.nextInt(6);
    float freq = 1.5f + 4f * rnd.nextFloat();
    for (int b = 0; b < bands; b++) {
      float base = h * (0.25f + 0.75f * b / bands);
      float phase = rnd.nextFloat() * 6.28f;
      Path2D band = new Path2D.Float();
      band.moveTo(0, h);
      for (int x = 0; x <= w; x += Math.max(1, w / 96)) {
        double t = (double) x / w;
        band.lineTo(x, base + h * 0.06 * Math.sin(t * freq * 6.28 + phase));
      }
      band.lineTo(w, h);
      band.closePath();
      g.setColor(hsb(hue + 0.04f * b, 0.45f + 0.4f * b / bands, 0.95f - 0.5f * b / bands));
      g.fill(band);
    }
    g.setStroke(new BasicStroke(Math.max(1f, s / 256f)));
    g.setColor(new Color(255, 255, 255, 90));
    for (int i = 0; i < 12; i++) {
      float x = w * rnd.nextFloat();
      float y = h * rnd.nextFloat() * 0.5f;
      g.draw(new Ellipse2D.Float(x, y, s * 0.01f, s * 0.01f));
    }
  }

  private static void shards(Graphics2D g, Random rnd, float hue, int w, int h) {
    int s = Math.min(w, h);
    int count = 12 + rnd.nextInt(18);
    AffineTransform saved = g.getTransform();
    for (int i = 0; i < count; i++) {
      Path2D shard = new Path2D.Float();
      int corners = 3 + rnd.nextInt(3);
      float cx = w * rnd.nextFloat();
      float cy = h * rnd.nextFloat();
      float r = s * (0.05f + 0.2f * rnd.nextFloat());
      for (int c = 0; c < corners; c++) {
        double a = 6.283 * c / corners + rnd.nextFloat() * 0.6;
        float px = (float) (cx + r * Math.cos(a));
        float py = (float) (cy + r * Math.sin(a));
        if (c == 0) {
          shard.moveTo(px, py);
        } else {
          shard.lineTo(px, py);
        }
      }
      shard.closePath();
      g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.55f + 0.4f * rnd.nextFloat()));
      g.setColor(hsb(hue + (i % 4) * 0.12f, 0.5f + 0.5f * rnd.nextFloat(), 0.5f + 0.5f * rnd.nextFloat()));
      g.fill(shard);
    }
    g.setComposite(AlphaComposite.SrcOver);
    g.setTransform(saved);
  }

  private static void glow(Graphics2D g, float x, float y, float r, Color color) {
    Color clear = new Color(color.getRed(), color.getGreen(), color.getBlue(), 0);
    g.setPaint(new RadialGradientPaint(x, y, r * 1.6f, new float[] {0f, 0.6f, 1f},
        new Color[] {color, color, clear}));
    g.fill(new Ellipse2D.Float(x - r * 1.6f, y - r * 1.6f, r * 3.2f, r * 3.2f));
  }

  private static float steeredHue(String prompt, float random) {
    String lower = prompt.toLowerCase(Locale.ROOT);
    for (Map.Entry<String, Float> e : HUES) {
      if (lower.contains(e.getKey())) {
        return e.getValue() + (random - 0.5f) * 0.04f; // a colour word wins, with a touch of variety
      }
    }
    return random;
  }

  private static Color hsb(float h, float s, float b) {
    return Color.getHSBColor(h - (float) Math.floor(h), clamp(s), clamp(b));
  }

  private static float clamp(float v) {
    return Math.max(0f, Math.min(1f, v));
  }

  private static long hash(String prompt, long seed) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(prompt.getBytes(StandardCharsets.UTF_8));
      sha.update(ByteBuffer.allocate(8).putLong(seed).array());
      return ByteBuffer.wrap(sha.digest()).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

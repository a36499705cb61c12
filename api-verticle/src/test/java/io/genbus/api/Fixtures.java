package io.genbus.api;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Tiny test images of every kind, made here (WebP comes from a fixture file: ImageIO cannot write it). */
public final class Fixtures {

  private Fixtures() {
  }

  /** Left half {@code left}, right half {@code right}. */
  static BufferedImage halves(int w, int h, Color left, Color right, int type) {
    BufferedImage image = new BufferedImage(w, h, type);
    Graphics2D g = image.createGraphics();
    g.setColor(left);
    g.fillRect(0, 0, w / 2, h);
    g.setColor(right);
    g.fillRect(w / 2, 0, w - w / 2, h);
    g.dispose();
    return image;
  }

  static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] png(int w, int h) {
    return encode(halves(w, h, new Color(200, 60, 40), new Color(40, 90, 200), BufferedImage.TYPE_INT_RGB), "png");
  }

  /** Opaque red on the left, fully transparent on the right. */
  static byte[] transparentPng() {
    return encode(halves(20, 10, Color.RED, new Color(0, 0, 0, 0), BufferedImage.TYPE_INT_ARGB), "png");
  }

  static byte[] jpeg() {
    return encode(halves(20, 10, new Color(200, 60, 40), new Color(40, 90, 200), BufferedImage.TYPE_INT_RGB), "jpg");
  }

  static byte[] bmp() {
    return encode(halves(8, 8, Color.RED, Color.BLUE, BufferedImage.TYPE_INT_RGB), "bmp");
  }

  /** Two frames: green, then red. */
  static byte[] animatedGif() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(stream);
      writer.prepareWriteSequence(null);
      writer.writeToSequence(new IIOImage(halves(16, 16, Color.GREEN, Color.GREEN, BufferedImage.TYPE_INT_RGB), null, null), null);
      writer.writeToSequence(new IIOImage(halves(16, 16, Color.RED, Color.RED, BufferedImage.TYPE_INT_RGB), null, null), null);
      writer.endWriteSequence();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /** A 24 × 16 WebP, red left half, blue right half (made with cwebp). */
  static byte[] webp() {
    try (InputStream in = Fixtures.class.getResourceAsStream("/images/tiny.webp")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A valid PNG header claiming {@code side} × {@code side} pixels, with almost no data behind it. */
  static byte[] bombPng(int side) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(side).putInt(side).put((byte) 8).put((byte) 2)
        .put((byte) 0).put((byte) 0).put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  /**
   * A solid-colour {@code side} × {@code side} PNG of 16 bits per channel with alpha (8 bytes a pixel), written
   * row by row through a deflater, so the raster is never in memory here: 6300² is 318 MB decoded, 0.3 MB
   * as a file.
   */
  public static byte[] solidPng16(int side, Color colour) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(side).putInt(side).put((byte) 16).put((byte) 6)
        .put((byte) 0).put((byte) 0).put((byte) 0).array());
    byte[] row = new byte[1 + side * 8]; // filter byte 0, then R G B A as 16-bit big-endian samples
    int[] samples = {colour.getRed(), colour.getGreen(), colour.getBlue(), 255};
    for (int x = 0; x < side; x++) {
      for (int c = 0; c < 4; c++) {
        row[1 + x * 8 + c * 2] = (byte) samples[c];
        row[2 + x * 8 + c * 2] = (byte) samples[c];
      }
    }
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    try (DeflaterOutputStream deflate = new DeflaterOutputStream(idat, new Deflater(9), 1 << 16)) {
      for (int y = 0; y < side; y++) {
        deflate.write(row);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    chunk(out, "IDAT", idat.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(typeBytes);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  public static String dataUrl(String mime, byte[] bytes) {
    return "data:" + mime + ";base64," + Base64.getEncoder().encodeToString(bytes);
  }

  /** Mean HSB saturation, 0–1. */
  static double meanSaturation(BufferedImage image) {
    double sum = 0;
    float[] hsb = new float[3];
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int p = image.getRGB(x, y);
        Color.RGBtoHSB((p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff, hsb);
        sum += hsb[1];
      }
    }
    return sum / (image.getWidth() * image.getHeight());
  }
}

package io.genbus.worker.output;

import io.genbus.imaging.ImageHeader;
import io.genbus.imaging.Rgb;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ImageOptions;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.GenerationResult.GeneratedImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Delivers a job's images in the {@code output_format} its client asked for: an image already in that format
 * (and, for JPEG, with no {@code output_compression} asked) goes as it is; otherwise it is decoded and written
 * again — PNG keeps transparency, JPEG is flattened onto white at quality {@code output_compression}/100.
 * WebP can be delivered only as the backend made it: no well-kept pure-Java WebP encoder exists.
 * Blocking: worker threads only.
 */
public final class OutputFormat {

  static {
    ImageIO.setUseCache(false); // in memory: no temp files, no shutdown hooks
  }

  private OutputFormat() {
  }

  /** Every image of {@code result} in the asked format; the result as it is for a job without image parameters. */
  public static GenerationResult apply(ImageOptions options, GenerationResult result) {
    if (options == null || options.outputFormat() == null) {
      return result;
    }
    return new GenerationResult(result.text(), result.images().stream().map(i -> apply(options, i)).toList());
  }

  public static GeneratedImage apply(ImageOptions options, GeneratedImage image) {
    if (options == null || options.outputFormat() == null) {
      return image;
    }
    String wanted = options.outputFormat();
    ImageHeader header = ImageHeader.read(image.bytes());
    String actual = header == null ? null : header.format();
    boolean recompress = wanted.equals("jpeg") && options.outputCompression() != null && options.outputCompression() < 100;
    if (wanted.equals(actual) && !recompress) {
      return new GeneratedImage(header.mimeType(), image.bytes());
    }
    if (wanted.equals("webp")) {
      throw new GenerationException(ErrorCode.UNSUPPORTED_PARAMETER,
          "output_format webp: the backend made " + actual + " and genbus has no WebP encoder");
    }
    BufferedImage decoded = decode(image.bytes());
    return wanted.equals("jpeg")
        ? new GeneratedImage("image/jpeg", jpeg(Rgb.onWhite(decoded), options.outputCompression() == null ? 100 : options.outputCompression()))
        : new GeneratedImage("image/png", png(decoded));
  }

  private static BufferedImage decode(byte[] bytes) {
    try {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
      if (image == null) {
        throw new IOException("no reader for it");
      }
      return image;
    } catch (IOException | RuntimeException e) {
      throw new GenerationException(ErrorCode.GENERATION_FAILED, "the backend's image cannot be decoded for conversion");
    }
  }

  public static byte[] png(BufferedImage image) {
    return write(image, "png", null);
  }

  /** @param quality 0–100 */
  public static byte[] jpeg(BufferedImage rgb, int quality) {
    return write(rgb, "jpeg", Math.max(0.01f, quality / 100f));
  }

  private static byte[] write(BufferedImage image, String format, Float quality) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(image.getWidth() * image.getHeight() / 2);
    ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
    try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      ImageWriteParam param = writer.getDefaultWriteParam();
      if (quality != null) {
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
      }
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new GenerationException(ErrorCode.GENERATION_FAILED, "the image cannot be written as " + format);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }
}

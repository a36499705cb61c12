package io.genbus.api.images;

import io.genbus.api.errors.ApiException;
import io.genbus.config.ImagesConfig;
import io.genbus.imaging.Rgb;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.InputImage;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.SampleModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import net.coobird.thumbnailator.Thumbnails;

/**
 * Turns the client's image parts into the job's input images: base64 data URLs of PNG, JPEG, GIF (first
 * frame) or WebP, checked against the size and pixel limits — the pixel count is read from the header,
 * before anything is decoded, so a small file claiming 50,000 × 50,000 pixels costs nothing — then
 * flattened onto white, scaled so the longest side is at most {@code maxSide}, and written as JPEG
 * quality 0.9 with Thumbnailator. Blocking: call it on a worker thread.
 *
 * <p>Memory is bounded by {@code maxSide}, not by the image: a large image is decoded subsampled (every
 * n-th pixel of every n-th row, chosen from its header) to between {@code maxSide} and twice that, and to
 * at most {@link #rasterBudget} bytes counting its real bytes per pixel (a 16-bit RGBA PNG costs 8).
 * The final scaling down to {@code maxSide} is then a smooth one. {@link #worstCaseBytes} is what one
 * conversion may need at most, for sizing how many run at once.
 */
public final class InputImageConverter {

  static {
    // In-memory streams: ImageIO's default file cache writes temp files and registers shutdown hooks.
    ImageIO.setUseCache(false);
  }

  private static final Set<String> DECLARED = Set.of("image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp");
  private static final Set<String> FORMATS = Set.of("png", "jpeg", "jpg", "gif", "webp");

  static final int WORST_BYTES_PER_PIXEL = 8;

  private final ImagesConfig config;

  public InputImageConverter(ImagesConfig config) {
    this.config = config;
  }

  public List<InputImage> convert(List<ImagePart> parts) {
    return parts.stream().map(this::convert).toList();
  }

  public InputImage convert(ImagePart part) {
    return convert(part.param(), decodeDataUrl(part));
  }

  /** An image sent as a file (multipart): the same checks and conversion as a data URL's. */
  public InputImage convert(String param, byte[] bytes) {
    ImagePart part = new ImagePart(param, null);
    checkSize(part, bytes.length);
    // No local holds the decoded image: it can go once it is flattened.
    return toJpeg(part, Rgb.onWhite(read(part, bytes)));
  }

  /**
   * The most heap one conversion needs: the decoded upload, the decoder's raster (or, for lossless WebP,
   * whose decoder cannot subsample, its full-size ARGB raster), the RGB copy flattened onto white, the
   * scaled copy and the JPEG being written.
   */
  public long worstCaseBytes() {
    long side = config.maxSide();
    long decoder = Math.max(rasterBudget(config.maxSide()), 4 * config.maxPixels());
    return config.maxBytes() + decoder + 32 * side * side;
  }

  /** The largest decoded raster: what an 8-bit RGBA image of twice {@code maxSide} square takes. */
  static long rasterBudget(int maxSide) {
    return 16L * maxSide * maxSide;
  }

  /**
   * Every how many pixels to decode one: the largest factor that keeps the longest side at least
   * {@code maxSide} (so the final scaling stays smooth), raised until the raster fits {@link #rasterBudget}.
   */
  static int subsampling(long width, long height, int bytesPerPixel, int maxSide) {
    int factor = (int) Math.max(1, Math.max(width, height) / maxSide);
    while (ceilDiv(width, factor) * ceilDiv(height, factor) * bytesPerPixel > rasterBudget(maxSide)) {
      factor++;
    }
    return factor;
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  /** Bytes per pixel of the raster the reader will decode into; 8 (16-bit RGBA, the most ImageIO makes) when it does not say. */
  static int bytesPerPixel(ImageReader reader) throws IOException {
    ImageTypeSpecifier type = reader.getRawImageType(0);
    if (type == null) {
      Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
      type = types.hasNext() ? types.next() : null;
    }
    if (type == null) {
      return WORST_BYTES_PER_PIXEL;
    }
    SampleModel model = type.getSampleModel(1, 1);
    return Math.max(1, model.getNumDataElements() * DataBuffer.getDataTypeSize(model.getDataType()) / 8);
  }

  /**
   * An edit's mask: the same checks, but kept as PNG with its alpha channel (transparent = the area to
   * change), stretched to the converted image's {@code width}×{@code height}.
   */
  public InputImage convertMask(String param, byte[] bytes, int width, int height) {
    ImagePart part = new ImagePart(param, null);
    checkSize(part, bytes.length);
    BufferedImage fitted = Rgb.stretched(read(part, bytes), width, height, true);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(fitted, "png", out);
    } catch (IOException e) {
      throw new ApiException(ErrorCode.INVALID_IMAGE, param, "it cannot be converted to PNG");
    }
    return new InputImage("image/png", out.toByteArray(), width, height);
  }

  private void checkSize(ImagePart part, long bytes) {
    if (bytes > config.maxBytes()) {
      throw new ApiException(ErrorCode.IMAGE_TOO_LARGE, part.param(), "over " + config.maxBytes() + " bytes");
    }
  }

  /** The bytes of a data URL, checked as {@link #convert(ImagePart)} checks them. */
  public byte[] bytesOf(ImagePart part) {
    return decodeDataUrl(part);
  }

  private byte[] decodeDataUrl(ImagePart part) {
    String url = part.url().strip();
    if (!url.regionMatches(true, 0, "data:", 0, 5)) {
      String shown = url.length() > 40 ? url.substring(0, 40) + "…" : url;
      throw new ApiException(ErrorCode.INVALID_IMAGE_URL, part.param(), "'" + shown + "'");
    }
    int comma = url.indexOf(',');
    if (comma < 0) {
      throw new ApiException(ErrorCode.INVALID_IMAGE, part.param(), "the data URL has no ',' before its data");
    }
    String header = url.substring(5, comma).toLowerCase(Locale.ROOT);
    String mime = header.contains(";") ? header.substring(0, header.indexOf(';')) : header;
    if (!DECLARED.contains(mime)) {
      throw new ApiException(ErrorCode.INVALID_IMAGE_FORMAT, part.param(), mime.isEmpty() ? "(none)" : mime);
    }
    if (!header.endsWith(";base64")) {
      throw new ApiException(ErrorCode.INVALID_IMAGE, part.param(), "the data URL is not base64-encoded");
    }
    String payload = url.substring(comma + 1);
    if ((long) payload.length() * 3 / 4 > config.maxBytes()) {
      throw new ApiException(ErrorCode.IMAGE_TOO_LARGE, part.param(), "over " + config.maxBytes() + " bytes");
    }
    try {
      return Base64.getDecoder().decode(payload.replaceAll("\\s+", ""));
    } catch (IllegalArgumentException e) {
      throw new ApiException(ErrorCode.INVALID_IMAGE, part.param(), "bad base64 (" + e.getMessage() + ")");
    }
  }

  private BufferedImage read(ImagePart part, byte[] bytes) {
    try (ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
      if (!readers.hasNext()) {
        throw new ApiException(ErrorCode.INVALID_IMAGE, part.param(), "not a PNG, JPEG, GIF or WebP image");
      }
      ImageReader reader = readers.next();
      try {
        String format = reader.getFormatName().toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(format)) {
          throw new ApiException(ErrorCode.INVALID_IMAGE_FORMAT, part.param(), format.toUpperCase(Locale.ROOT));
        }
        reader.setInput(input, false, true);
        long width = reader.getWidth(0);
        long height = reader.getHeight(0);
        if (width * height > config.maxPixels()) {
          throw new ApiException(ErrorCode.IMAGE_TOO_LARGE, part.param(),
              width + " × " + height + " pixels, at most " + config.maxPixels());
        }
        ImageReadParam param = reader.getDefaultReadParam();
        int factor = subsampling(width, height, bytesPerPixel(reader), config.maxSide());
        param.setSourceSubsampling(factor, factor, 0, 0);
        return reader.read(0, param); // a GIF's first frame
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ApiException api) {
        throw api;
      }
      throw new ApiException(ErrorCode.INVALID_IMAGE, part.param(), "it cannot be decoded (" + e.getClass().getSimpleName() + ")");
    }
  }

  private InputImage toJpeg(ImagePart part, BufferedImage image) {
    BufferedImage flat = Rgb.onWhite(image);
    int longest = Math.max(flat.getWidth(), flat.getHeight());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      // One pass: scale (only ever down, keeping the aspect ratio) and encode.
      Thumbnails.Builder<BufferedImage> builder = Thumbnails.of(flat);
      if (longest > config.maxSide()) {
        builder.size(config.maxSide(), config.maxSide());
      } else {
        builder.scale(1.0);
      }
      builder.outputFormat("jpg").outputQuality(0.9f).toOutputStream(out);
      byte[] jpeg = out.toByteArray();
      int[] size = headerSize(jpeg);
      return new InputImage("image/jpeg", jpeg, size[0], size[1]);
    } catch (IOException e) {
      throw new ApiException(ErrorCode.INVALID_IMAGE, part.param(), "it cannot be converted to JPEG");
    }
  }

  /** Width and height of an encoded image, from its header only. */
  private static int[] headerSize(byte[] bytes) throws IOException {
    try (ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      ImageReader reader = ImageIO.getImageReaders(input).next();
      try {
        reader.setInput(input, true, true);
        return new int[] {reader.getWidth(0), reader.getHeight(0)};
      } finally {
        reader.dispose();
      }
    }
  }
}

package io.genbus.api.bench;

import io.genbus.api.chat.ChatRequest;
import io.genbus.api.chat.ChatRequestParser;
import io.genbus.api.images.InputImageConverter;
import io.genbus.config.ImagesConfig;
import io.genbus.protocol.InputImage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * What one request with 5 images of 2048 × 2048 PNG costs the API node: the body parsed and every image
 * checked, decoded, flattened and written as JPEG, exactly as {@code ChatCompletionsHandler} does it (on one
 * worker thread). Prints ms per image and the peak heap. Run by {@code bench/image-conversion.sh}.
 */
public final class ImageConversionBenchmark {

  public static void main(String[] args) throws Exception {
    int images = 5;
    int side = 2048;
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Buffer body = requestBody(images, side);
    InputImageConverter converter = new InputImageConverter(ImagesConfig.defaults());
    System.out.printf("request: %d PNG images of %d x %d, body %.1f MiB, %d cores, max heap %d MiB%n",
        images, side, side, body.length() / 1048576.0, Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() / 1048576);

    for (int i = 0; i < 3; i++) { // warm-up: the JIT and ImageIO's plugin registry
      convert(body, converter);
    }
    System.gc();
    resetPeaks();
    long[] times = new long[rounds];
    int outBytes = 0;
    for (int r = 0; r < rounds; r++) {
      long start = System.nanoTime();
      List<InputImage> out = convert(body, converter);
      times[r] = System.nanoTime() - start;
      outBytes = out.stream().mapToInt(i -> i.data().length).sum();
    }
    java.util.Arrays.sort(times);
    double median = times[rounds / 2] / 1e6;
    double best = times[0] / 1e6;
    System.out.printf("%-34s %10s%n", "figure", "value");
    System.out.printf("%-34s %10.1f%n", "ms per request (median)", median);
    System.out.printf("%-34s %10.1f%n", "ms per image (median)", median / images);
    System.out.printf("%-34s %10.1f%n", "ms per image (best)", best / images);
    System.out.printf("%-34s %10.1f%n", "JPEG out per request (MiB)", outBytes / 1048576.0);
    System.out.printf("%-34s %10d%n", "peak heap, sum of pools (MiB)", peakHeap() / 1048576);
  }

  private static List<InputImage> convert(Buffer body, InputImageConverter converter) {
    ChatRequest request = ChatRequestParser.parse(body, 5, 32_000);
    return converter.convert(request.images());
  }

  /** A photo-like picture: smooth gradients with grain, so PNG cannot shrink it to nothing. */
  private static Buffer requestBody(int count, int side) throws Exception {
    JsonArray content = new JsonArray().add(new JsonObject().put("type", "text").put("text", "make it vivid"));
    Random rnd = new Random(42);
    for (int n = 0; n < count; n++) {
      BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < side; y++) {
        for (int x = 0; x < side; x++) {
          int grain = rnd.nextInt(8);
          int r = (x * 255 / side + n * 40 + grain) & 0xff;
          int g = (y * 255 / side + grain) & 0xff;
          int b = ((x + y) * 127 / side + grain) & 0xff;
          image.setRGB(x, y, (r << 16) | (g << 8) | b);
        }
      }
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      ImageIO.write(image, "png", png);
      content.add(new JsonObject().put("type", "image_url").put("image_url",
          new JsonObject().put("url", "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray()))));
    }
    JsonObject body = new JsonObject().put("model", "local-image")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content)));
    return body.toBuffer();
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      pool.resetPeakUsage();
    }
  }

  private static long peakHeap() {
    return ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP)
        .mapToLong(p -> p.getPeakUsage().getUsed())
        .sum();
  }
}

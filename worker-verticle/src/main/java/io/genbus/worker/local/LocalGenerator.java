package io.genbus.worker.local;

import io.genbus.config.LocalBackendConfig;
import io.genbus.protocol.Capabilities;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ImageOptions;
import io.genbus.protocol.InputImage;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationRequest;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.genbus.worker.PartialImageGenerator;
import io.vertx.core.Future;
import io.vertx.core.Timer;
import io.vertx.core.Vertx;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * The embedded offline backend: waits {@code delayMs} (timers, not sleeps) to stand in for a real model's
 * generation time, then, on a worker thread, draws the prompt with {@link LocalRenderer} at the asked size
 * (transparent background if asked) or, when the job carries images, composes them into one picture and
 * edits it with {@link LocalEditor} (within the mask, if any). Asked for partial images, it sends real
 * lower-resolution renders first, spreading the delay over them.
 */
public final class LocalGenerator implements PartialImageGenerator {

  static {
    // Decode and encode in memory: ImageIO's default file cache writes temp files and registers a JVM
    // shutdown hook per stream, which fails while a draining worker finishes its last jobs.
    ImageIO.setUseCache(false);
  }

  /** Rendering is deterministic, so the same prompt, seed and size can be answered from memory. */
  private static final int CACHE_SIZE = 64;
  /** Partial images are drawn at 1/8, 1/4, 1/2 of the resolution: the last ones are the sharpest. */
  private static final int[] PREVIEW_DIVISORS = {8, 4, 2};
  static final int MAX_PARTIAL_IMAGES = PREVIEW_DIVISORS.length;

  private final Vertx vertx;
  private final LocalBackendConfig config;
  private final Map<String, byte[]> rendered = Collections.synchronizedMap(
      new LinkedHashMap<>(CACHE_SIZE, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
          return size() > CACHE_SIZE;
        }
      });

  public LocalGenerator(Vertx vertx, LocalBackendConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  @Override
  public Capabilities capabilities() {
    return new Capabilities(List.of("auto"), List.of(Capabilities.ANY_RATIO), 16, config.maxSize(), Capabilities.MAX_N,
        true, true, true, MAX_PARTIAL_IMAGES, Capabilities.WRITTEN_FORMATS);
  }

  @Override
  public Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation,
                                           Consumer<GeneratedImage> partial) {
    ImageOptions options = request.options();
    if (options != null && !options.autoSize() && Math.max(options.width(), options.height()) > config.maxSize()) {
      return Future.failedFuture(new GenerationException(ErrorCode.UNSUPPORTED_PARAMETER,
          "size " + options.size() + ": this backend draws at most " + config.maxSize() + " pixels a side"));
    }
    int previews = Math.min(request.partialImages(), MAX_PARTIAL_IMAGES);
    long step = config.delayMs() / (previews + 1L);
    Future<Void> shown = Future.succeededFuture();
    for (int i = 0; i < previews; i++) {
      int divisor = PREVIEW_DIVISORS[MAX_PARTIAL_IMAGES - previews + i];
      shown = shown
          .compose(v -> delay(step, cancellation))
          .compose(v -> vertx.executeBlocking(() -> preview(request, divisor), false))
          .map(image -> {
            if (!cancellation.isCancelled()) {
              partial.accept(image);
            }
            return null;
          });
    }
    return shown.compose(v -> delay(config.delayMs() - step * previews, cancellation)).compose(v -> {
      byte[] cached = request.images().isEmpty() ? rendered.get(cacheKey(request)) : null;
      if (cached != null) {
        // already rendered: answer on the event loop, without two thread hand-offs
        return Future.succeededFuture(new GenerationResult(null, List.of(new GeneratedImage("image/png", cached))));
      }
      return vertx.executeBlocking(() -> render(request, cancellation), false);
    });
  }

  private String cacheKey(GenerationRequest request) {
    int[] size = size(request);
    return seed(request) + "/" + size[0] + "x" + size[1] + "/" + transparent(request) + "/" + request.prompt();
  }

  private Future<Void> delay(long ms, Cancellation cancellation) {
    if (ms <= 0) {
      return cancellation.isCancelled() ? Future.failedFuture(GenerationException.cancelled()) : Future.succeededFuture();
    }
    Timer timer = vertx.timer(ms, TimeUnit.MILLISECONDS);
    cancellation.onCancel(timer::cancel);
    return timer.recover(err -> Future.failedFuture(GenerationException.cancelled()));
  }

  /** The asked size, or the configured one; for an edit without a size, the first input's. */
  private int[] size(GenerationRequest request) {
    ImageOptions options = request.options();
    if (options != null && !options.autoSize()) {
      return new int[] {options.width(), options.height()};
    }
    if (!request.images().isEmpty()) {
      InputImage first = request.images().get(0);
      return new int[] {first.width(), first.height()};
    }
    return new int[] {config.size(), config.size()};
  }

  private static boolean transparent(GenerationRequest request) {
    return request.options() != null && request.options().transparent();
  }

  private static long seed(GenerationRequest request) {
    return request.seed() == null ? 0L : request.seed();
  }

  private GeneratedImage preview(GenerationRequest request, int divisor) {
    int[] size = size(request);
    BufferedImage image = request.images().isEmpty()
        ? LocalRenderer.preview(request.prompt(), seed(request), size[0], size[1], transparent(request), divisor)
        : LocalRenderer.scaled(LocalRenderer.scaled(edited(request), Math.max(8, size[0] / divisor),
            Math.max(8, size[1] / divisor)), size[0], size[1]);
    return new GeneratedImage("image/png", LocalRenderer.encodePng(image));
  }

  private GenerationResult render(GenerationRequest request, Cancellation cancellation) {
    if (cancellation.isCancelled()) {
      throw GenerationException.cancelled();
    }
    byte[] png = request.images().isEmpty()
        ? rendered.computeIfAbsent(cacheKey(request), k -> {
          int[] size = size(request);
          return LocalRenderer.encodePng(LocalRenderer.render(request.prompt(), seed(request), size[0], size[1], transparent(request)));
        })
        : LocalRenderer.encodePng(edited(request));
    return new GenerationResult(null, List.of(new GeneratedImage("image/png", png)));
  }

  /** The input images composed into one picture (as a real model makes one answer), edited within the mask. */
  private BufferedImage edited(GenerationRequest request) {
    List<BufferedImage> inputs = new ArrayList<>();
    for (InputImage input : request.images()) {
      inputs.add(decode(input, "input image"));
    }
    int[] size = size(request);
    BufferedImage canvas = LocalEditor.compose(inputs, size[0], size[1], transparent(request));
    BufferedImage edited = LocalEditor.edit(canvas, request.prompt(), seed(request));
    BufferedImage mask = request.mask() == null ? null : decode(request.mask(), "mask");
    return LocalEditor.finish(canvas, edited, mask);
  }

  private static BufferedImage decode(InputImage input, String what) {
    try {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(input.data()));
      if (image == null) {
        throw new IOException("no reader for " + input.mimeType());
      }
      return image;
    } catch (IOException | IllegalArgumentException e) {
      throw new GenerationException(ErrorCode.INVALID_IMAGE, "the " + what + " cannot be read: " + e.getMessage());
    }
  }
}

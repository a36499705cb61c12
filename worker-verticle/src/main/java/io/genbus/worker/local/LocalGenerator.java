package io.genbus.worker.local;

import io.genbus.config.LocalBackendConfig;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.InputImage;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationRequest;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.genbus.worker.Generator;
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
import javax.imageio.ImageIO;

/**
 * The embedded offline backend: waits {@code delayMs} (a timer, not a sleep) to stand in for a real
 * model's generation time, then, on a worker thread, draws the prompt with {@link LocalRenderer} or, when
 * the job carries images, edits each of them with {@link LocalEditor}.
 */
public final class LocalGenerator implements Generator {

  static {
    // Decode and encode in memory: ImageIO's default file cache writes temp files and registers a JVM
    // shutdown hook per stream, which fails while a draining worker finishes its last jobs.
    ImageIO.setUseCache(false);
  }

  /** Rendering is deterministic, so the same prompt, seed and size can be answered from memory. */
  private static final int CACHE_SIZE = 64;

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
  public Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation) {
    return delay(cancellation).compose(v -> {
      byte[] cached = request.images().isEmpty() ? rendered.get(cacheKey(request)) : null;
      if (cached != null) {
        // already rendered: answer on the event loop, without two thread hand-offs
        return Future.succeededFuture(new GenerationResult(null, List.of(new GeneratedImage("image/png", cached))));
      }
      return vertx.executeBlocking(() -> render(request, cancellation), false);
    });
  }

  private String cacheKey(GenerationRequest request) {
    return (request.seed() == null ? 0L : request.seed()) + "/" + config.size() + "/" + request.prompt();
  }

  private Future<Void> delay(Cancellation cancellation) {
    if (config.delayMs() == 0) {
      return Future.succeededFuture();
    }
    Timer timer = vertx.timer(config.delayMs(), TimeUnit.MILLISECONDS);
    cancellation.onCancel(timer::cancel);
    return timer.recover(err -> Future.failedFuture(GenerationException.cancelled()));
  }

  private GenerationResult render(GenerationRequest request, Cancellation cancellation) {
    if (cancellation.isCancelled()) {
      throw GenerationException.cancelled();
    }
    long seed = request.seed() == null ? 0L : request.seed();
    if (request.images().isEmpty()) {
      byte[] png = rendered.computeIfAbsent(cacheKey(request), k -> LocalRenderer.renderPng(request.prompt(), seed, config.size()));
      return new GenerationResult(null, List.of(new GeneratedImage("image/png", png)));
    }
    List<GeneratedImage> edited = new ArrayList<>();
    for (InputImage input : request.images()) {
      BufferedImage image = decode(input);
      edited.add(new GeneratedImage("image/png", LocalRenderer.encodePng(LocalEditor.edit(image, request.prompt(), seed))));
    }
    return new GenerationResult(null, edited);
  }

  private static BufferedImage decode(InputImage input) {
    try {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(input.data()));
      if (image == null) {
        throw new IOException("no reader for " + input.mimeType());
      }
      return image;
    } catch (IOException | IllegalArgumentException e) {
      throw new GenerationException(ErrorCode.INVALID_IMAGE, "the input image cannot be read: " + e.getMessage());
    }
  }
}

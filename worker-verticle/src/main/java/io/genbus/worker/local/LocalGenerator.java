package io.genbus.worker.local;

import io.genbus.config.LocalBackendConfig;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationRequest;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.genbus.worker.Generator;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * The embedded offline backend: waits {@code delayMs} (a timer, not a sleep) to stand in for a real
 * model's generation time, then renders the prompt with {@link LocalRenderer} on a worker thread.
 */
public final class LocalGenerator implements Generator {

  private final Vertx vertx;
  private final LocalBackendConfig config;

  public LocalGenerator(Vertx vertx, LocalBackendConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  @Override
  public Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation) {
    return delay(cancellation).compose(v -> vertx.executeBlocking(() -> render(request, cancellation), false));
  }

  private Future<Void> delay(Cancellation cancellation) {
    if (config.delayMs() == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    long timer = vertx.setTimer(config.delayMs(), id -> promise.tryComplete());
    cancellation.onCancel(() -> {
      vertx.cancelTimer(timer);
      promise.tryFail(GenerationException.cancelled());
    });
    return promise.future();
  }

  private GenerationResult render(GenerationRequest request, Cancellation cancellation) {
    if (cancellation.isCancelled()) {
      throw GenerationException.cancelled();
    }
    long seed = request.seed() == null ? 0L : request.seed();
    byte[] png = LocalRenderer.renderPng(request.prompt(), seed, config.size());
    return new GenerationResult(null, List.of(new GeneratedImage("image/png", png)));
  }
}

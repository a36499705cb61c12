package io.genbus.worker;

import io.genbus.protocol.Capabilities;
import io.vertx.core.Future;

/**
 * A generation backend. Implementations never block the calling event loop: blocking work goes to worker
 * threads ({@code executeBlocking}) or non-blocking clients.
 *
 * <p>The returned future fails with a {@link GenerationException} to say why (and whether another worker
 * could do better). When {@code cancellation} fires, the generator stops as soon as it can and completes
 * its future, which is when the job's slot is given back.
 */
public interface Generator {

  Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation);

  /** What it can do with the Images API's parameters, announced to API nodes in its {@code WorkerInfo}. */
  default Capabilities capabilities() {
    return Capabilities.basic();
  }

  /** Releases clients, pools and the like when the worker stops. */
  default Future<Void> close() {
    return Future.succeededFuture();
  }
}

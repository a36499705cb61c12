package io.genbus.worker;

import io.genbus.worker.GenerationResult.GeneratedImage;
import io.vertx.core.Future;
import java.util.function.Consumer;

/**
 * A {@link Generator} that can show its image before it is done: when the request asks for
 * {@link GenerationRequest#partialImages()}, it hands up to that many previews to {@code partial}, on the
 * event loop, before its result. They are streamed to the client as {@code partial_image} events.
 */
public interface PartialImageGenerator extends Generator {

  Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation, Consumer<GeneratedImage> partial);

  @Override
  default Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation) {
    return generate(request, cancellation, image -> { });
  }
}

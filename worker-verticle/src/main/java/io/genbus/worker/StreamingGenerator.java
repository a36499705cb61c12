package io.genbus.worker;

import io.vertx.core.Future;
import java.util.function.Consumer;

/**
 * A {@link Generator} whose backend produces text as it goes: the text is passed on to the client as it
 * comes (as TEXT events), and the result then holds only the images (and no text).
 */
public interface StreamingGenerator extends Generator {

  Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation, Consumer<String> text);

  /** Without a listener the text is gathered into the result. */
  @Override
  default Future<GenerationResult> generate(GenerationRequest request, Cancellation cancellation) {
    StringBuilder text = new StringBuilder();
    return generate(request, cancellation, text::append)
        .map(result -> new GenerationResult(text.isEmpty() ? result.text() : text.toString(), result.images()));
  }
}

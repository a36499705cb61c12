package io.genbus.worker;

import io.genbus.config.BackendConfig;
import io.genbus.config.GeminiBackendConfig;
import io.genbus.config.LocalBackendConfig;
import io.genbus.config.OpenAiChatBackendConfig;
import io.genbus.config.OpenAiImagesBackendConfig;
import io.genbus.worker.openai.OpenAiChatGenerator;
import io.genbus.worker.gemini.GeminiGenerator;
import io.genbus.worker.openai.OpenAiImagesGenerator;
import io.genbus.worker.local.LocalGenerator;
import io.vertx.core.Vertx;

/** Builds the {@link Generator} for a backend's config: the one place that knows every backend type. */
public final class Generators {
  private Generators() {
  }

  public static Generator create(Vertx vertx, BackendConfig config) {
    if (config instanceof LocalBackendConfig local) {
      return new LocalGenerator(vertx, local);
    }
    if (config instanceof GeminiBackendConfig gemini) {
      return new GeminiGenerator(vertx, gemini);
    }
    if (config instanceof OpenAiImagesBackendConfig openai) {
      return new OpenAiImagesGenerator(vertx, openai);
    }
    if (config instanceof OpenAiChatBackendConfig chat) {
      return new OpenAiChatGenerator(vertx, chat);
    }
    throw new IllegalArgumentException("no generator for backend type " + config.type());
  }
}

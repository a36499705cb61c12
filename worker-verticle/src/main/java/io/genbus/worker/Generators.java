package io.genbus.worker;

import io.genbus.config.BackendConfig;
import io.genbus.config.LocalBackendConfig;
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
    throw new IllegalArgumentException("no generator for backend type " + config.type());
  }
}

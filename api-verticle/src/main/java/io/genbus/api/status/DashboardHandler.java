package io.genbus.api.status;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /} and {@code /dashboard}: the status page, plain HTML and JavaScript with no build step. It
 * polls {@code /v1/status} every second (asking for the API key when one is needed) and shows the cluster's
 * nodes, workers, models, slots, queues and recent jobs.
 */
public final class DashboardHandler {

  private final Buffer page;

  public DashboardHandler() {
    try (InputStream in = DashboardHandler.class.getResourceAsStream("/webroot/dashboard.html")) {
      page = Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void handle(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .end(page);
  }
}

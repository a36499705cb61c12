package io.genbus.api.status;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /} and {@code /dashboard}: the status page, plain HTML, CSS and JavaScript with no build step
 * ({@code /dashboard.css}, {@code /dashboard.js}). It polls {@code /v1/status} every second and
 * {@code /v1/status/history} and {@code /v1/status/usage} every ten (asking for the API key when one is needed) and
 * shows the cluster's nodes, workers, models, slots, queues, recent jobs, a 15-minute chart per model, and images
 * per hour over the last 24 hours by model and by tenant (drawn by the vendored Chart.js) with the top tenants.
 *
 * <p>No inline script or style anywhere, so the page is served with a strict Content-Security-Policy: an injected
 * model name or job id that escaped the page's escaping still could not run script or load anything.
 */
public final class DashboardHandler {

  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  /** Where the page loads Chart.js from. */
  public static final String CHART_PATH = "/dashboard/chart.umd.min.js";

  private final Buffer page = resource("dashboard.html");
  private final Buffer script = resource("dashboard.js");
  private final Buffer style = resource("dashboard.css");
  /** Chart.js 4.5.1 (MIT), vendored unchanged with its licence header (webroot/vendor/README.md): no CDN. */
  private final Buffer chart = resource("vendor/chart.umd.min.js");

  private static Buffer resource(String name) {
    try (InputStream in = DashboardHandler.class.getResourceAsStream("/webroot/" + name)) {
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void page(RoutingContext ctx) {
    send(ctx, "text/html; charset=utf-8", page);
  }

  public void script(RoutingContext ctx) {
    send(ctx, "text/javascript; charset=utf-8", script);
  }

  public void chart(RoutingContext ctx) {
    send(ctx, "text/javascript; charset=utf-8", chart);
  }

  public void style(RoutingContext ctx) {
    send(ctx, "text/css; charset=utf-8", style);
  }

  private static void send(RoutingContext ctx, String type, Buffer body) {
    ctx.response()
        .putHeader("Content-Type", type)
        .putHeader("Cache-Control", "no-cache")
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Referrer-Policy", "no-referrer")
        .end(body);
  }
}

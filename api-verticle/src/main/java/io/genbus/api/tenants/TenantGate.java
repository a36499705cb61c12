package io.genbus.api.tenants;

import io.genbus.api.auth.Caller;
import io.genbus.api.tenants.TenantLimits.Kind;
import io.genbus.api.tenants.TenantLimits.WindowState;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP side of tenant limits: admits a request for its caller's tenant, gives back what the request did
 * not hand to a job when its response ends, and puts OpenAI's rate-limit headers on the answer:
 * {@code x-ratelimit-limit-requests}, {@code x-ratelimit-remaining-requests}, {@code x-ratelimit-reset-requests}
 * for {@code rpm}, and the same with {@code -images} for {@code imagesPerDay}.
 */
public final class TenantGate {

  private final TenantRegistry registry;
  private final TenantLimits limits;

  public TenantGate(TenantRegistry registry, TenantLimits limits) {
    this.registry = registry;
    this.limits = limits;
  }

  /** Route handler: the headers of the caller's tenant as they stand, on whatever the answer turns out to be. */
  public void headers(RoutingContext ctx) {
    Tenant tenant = registry.tenant(Caller.of(ctx).tenant());
    if (tenant.limited()) {
      put(ctx.response(), tenant);
    }
    ctx.next();
  }

  /**
   * Admits the caller's request for {@code model} that will be {@code jobs} jobs (see {@link TenantLimits#admit});
   * the admission is closed when the response ends.
   */
  public Future<TenantAdmission> admit(RoutingContext ctx, String model, int jobs) {
    Tenant tenant = registry.tenant(Caller.of(ctx).tenant());
    return limits.admit(tenant, model, jobs).andThen(ar -> {
      if (tenant.limited() && !ctx.response().headWritten()) {
        put(ctx.response(), tenant);
      }
      if (ar.succeeded()) {
        TenantAdmission admission = ar.result();
        ctx.addEndHandler(v -> admission.close());
      }
    });
  }

  /**
   * Admits a request of {@code caller} that does not come over HTTP (the event bus): the same limits; the
   * caller closes the admission once its jobs are handed over.
   */
  public Future<TenantAdmission> admit(Caller caller, String model, int jobs) {
    return limits.admit(registry.tenant(caller.tenant()), model, jobs);
  }

  private void put(HttpServerResponse response, Tenant tenant) {
    put(response, "requests", limits.state(tenant, Kind.REQUESTS));
    put(response, "images", limits.state(tenant, Kind.IMAGES));
  }

  private static void put(HttpServerResponse response, String what, WindowState state) {
    if (state != null) {
      response.putHeader("x-ratelimit-limit-" + what, Long.toString(state.limit()))
          .putHeader("x-ratelimit-remaining-" + what, Long.toString(state.remaining()))
          .putHeader("x-ratelimit-reset-" + what, duration(state.resetMs()));
    }
  }

  /** OpenAI's form: {@code 1h2m3s}, {@code 17s}, {@code 250ms}. */
  static String duration(long ms) {
    if (ms < 1000) {
      return ms + "ms";
    }
    long s = (ms + 999) / 1000;
    StringBuilder out = new StringBuilder();
    if (s >= 3600) {
      out.append(s / 3600).append('h');
    }
    if (s >= 60) {
      out.append(s % 3600 / 60).append('m');
    }
    return out.append(s % 60).append('s').toString();
  }
}

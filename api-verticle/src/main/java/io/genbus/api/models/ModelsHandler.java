package io.genbus.api.models;

import io.genbus.api.auth.Caller;
import io.genbus.api.errors.ApiException;
import io.genbus.api.jobs.Scheduler;
import io.genbus.api.tenants.Tenant;
import io.genbus.api.tenants.TenantRegistry;
import io.genbus.protocol.Capabilities;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: the models live workers serve now, of those the
 * caller's tenant may use.
 */
public final class ModelsHandler {

  /** The extension field of {@code GET /v1/models/{id}} (see README, "Images API"). */
  public static final String CAPABILITIES_FIELD = "genbus.capabilities";

  private final Scheduler scheduler;
  private final TenantRegistry tenants;

  public ModelsHandler(Scheduler scheduler, TenantRegistry tenants) {
    this.scheduler = scheduler;
    this.tenants = tenants;
  }

  public void list(RoutingContext ctx) {
    Tenant tenant = tenants.tenant(Caller.of(ctx).tenant());
    scheduler.read((dispatcher, directory) -> directory.models())
        .onSuccess(models -> {
          JsonArray data = new JsonArray();
          models.forEach((id, created) -> {
            if (tenant.allows(id)) {
              data.add(model(id, created));
            }
          });
          json(ctx, new JsonObject().put("object", "list").put("data", data));
        })
        .onFailure(ctx::fail);
  }

  public void get(RoutingContext ctx) {
    String id = ctx.pathParam("model");
    if (!tenants.tenant(Caller.of(ctx).tenant()).allows(id)) {
      ctx.fail(new ApiException(ErrorCode.MODEL_NOT_ALLOWED, "model", id));
      return;
    }
    scheduler.read((dispatcher, directory) -> directory.models().containsKey(id)
            ? model(id, directory.models().get(id)).put(CAPABILITIES_FIELD, capabilities(Capabilities.union(
                directory.workers(id).stream().map(w -> w.info().capabilities()).toList())))
            : null)
        .onSuccess(model -> {
          if (model == null) {
            ctx.fail(new ApiException(ErrorCode.MODEL_NOT_FOUND, "model", id));
          } else {
            json(ctx, model);
          }
        })
        .onFailure(ctx::fail);
  }

  /**
   * An extension field (OpenAI's model object has none like it): what this model's live workers can do, in
   * the Images API's spelling. A request must still find one worker able to do all it asks.
   */
  static JsonObject capabilities(Capabilities c) {
    return new JsonObject()
        .put("sizes", new JsonArray(c.sizes()))
        .put("aspect_ratios", new JsonArray(c.aspectRatios()))
        .put("min_side", c.minSide())
        .put("max_side", c.maxSide())
        .put("max_n", c.maxN())
        .put("edits", c.edits())
        .put("mask", c.mask())
        .put("transparent_background", c.transparentBackground())
        .put("partial_images", c.partialImages())
        .put("output_formats", new JsonArray(c.outputFormats()));
  }

  private static JsonObject model(String id, long created) {
    return new JsonObject().put("id", id).put("object", "model").put("created", created).put("owned_by", "genbus");
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
  }
}

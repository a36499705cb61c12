package io.genbus.api.models;

import io.genbus.api.errors.ApiException;
import io.genbus.api.jobs.Scheduler;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}}: the models live workers serve now. */
public final class ModelsHandler {

  private final Scheduler scheduler;

  public ModelsHandler(Scheduler scheduler) {
    this.scheduler = scheduler;
  }

  public void list(RoutingContext ctx) {
    scheduler.read((dispatcher, directory) -> directory.models())
        .onSuccess(models -> {
          JsonArray data = new JsonArray();
          models.forEach((id, created) -> data.add(model(id, created)));
          json(ctx, new JsonObject().put("object", "list").put("data", data));
        })
        .onFailure(ctx::fail);
  }

  public void get(RoutingContext ctx) {
    String id = ctx.pathParam("model");
    scheduler.read((dispatcher, directory) -> directory.models().get(id))
        .onSuccess(created -> {
          if (created == null) {
            ctx.fail(new ApiException(ErrorCode.MODEL_NOT_FOUND, "model", id));
          } else {
            json(ctx, model(id, created));
          }
        })
        .onFailure(ctx::fail);
  }

  private static JsonObject model(String id, long created) {
    return new JsonObject().put("id", id).put("object", "model").put("created", created).put("owned_by", "genbus");
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
  }
}

package io.genbus.api.models;

import io.genbus.api.errors.ApiException;
import io.genbus.api.jobs.WorkerDirectory;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}}: the models live workers serve now. */
public final class ModelsHandler {

  private final WorkerDirectory directory;

  public ModelsHandler(WorkerDirectory directory) {
    this.directory = directory;
  }

  public void list(RoutingContext ctx) {
    JsonArray data = new JsonArray();
    directory.models().forEach((id, created) -> data.add(model(id, created)));
    json(ctx, new JsonObject().put("object", "list").put("data", data));
  }

  public void get(RoutingContext ctx) {
    String id = ctx.pathParam("model");
    Map<String, Long> models = directory.models();
    if (!models.containsKey(id)) {
      throw new ApiException(ErrorCode.MODEL_NOT_FOUND, "model", id);
    }
    json(ctx, model(id, models.get(id)));
  }

  private static JsonObject model(String id, long created) {
    return new JsonObject().put("id", id).put("object", "model").put("created", created).put("owned_by", "genbus");
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
  }
}

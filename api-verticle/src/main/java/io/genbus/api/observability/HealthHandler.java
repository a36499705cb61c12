package io.genbus.api.observability;

import io.genbus.api.jobs.Scheduler;
import io.genbus.cluster.Membership;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /health/live}: the process answers. {@code GET /health/ready}: this node is a cluster member
 * and knows at least one live worker, so it can serve requests; 503 otherwise (a load balancer stops
 * sending it traffic).
 */
public final class HealthHandler {

  private final String nodeId;
  private final Membership membership;
  private final Scheduler scheduler;

  public HealthHandler(String nodeId, Membership membership, Scheduler scheduler) {
    this.nodeId = nodeId;
    this.membership = membership;
    this.scheduler = scheduler;
  }

  public void live(RoutingContext ctx) {
    json(ctx, 200, new JsonObject().put("status", "UP"));
  }

  public void ready(RoutingContext ctx) {
    boolean member = membership.nodes().contains(nodeId);
    scheduler.read((dispatcher, directory) -> directory.allWorkers().size())
        .onSuccess(workers -> {
          if (member && workers > 0) {
            json(ctx, 200, new JsonObject().put("status", "UP").put("workers", workers));
          } else {
            json(ctx, 503, new JsonObject().put("status", "DOWN")
                .put("reason", member ? "no live worker known yet" : "not a cluster member"));
          }
        })
        .onFailure(ctx::fail);
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}

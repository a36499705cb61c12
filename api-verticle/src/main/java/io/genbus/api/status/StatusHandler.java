package io.genbus.api.status;

import io.genbus.api.jobs.JobDispatcher;
import io.genbus.api.jobs.WorkerDirectory;
import io.genbus.api.jobs.WorkerSlot;
import io.genbus.cluster.Membership;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.TreeSet;

/**
 * {@code GET /v1/status}: per model, the jobs waiting and running on this API node, the slots of the
 * cluster and each worker's load; the cluster's nodes; and the last jobs that ended on this node.
 */
public final class StatusHandler {

  private final String nodeId;
  private final Membership membership;
  private final WorkerDirectory directory;
  private final JobDispatcher dispatcher;

  public StatusHandler(String nodeId, Membership membership, WorkerDirectory directory, JobDispatcher dispatcher) {
    this.nodeId = nodeId;
    this.membership = membership;
    this.directory = directory;
    this.dispatcher = dispatcher;
  }

  public void handle(RoutingContext ctx) {
    TreeSet<String> models = new TreeSet<>(directory.models().keySet());
    dispatcher.queuedModels().stream().filter(m -> dispatcher.waiting(m) > 0).forEach(models::add);
    JsonObject byModel = new JsonObject();
    for (String model : models) {
      JsonArray workers = new JsonArray();
      int slots = 0;
      int busy = 0;
      for (WorkerSlot w : directory.workers(model)) {
        slots += w.info().concurrency();
        busy += Math.min(w.busy(), w.info().concurrency());
        workers.add(new JsonObject()
            .put("workerId", w.id())
            .put("node", w.info().nodeId())
            .put("backend", w.info().backend())
            .put("slots", w.info().concurrency())
            .put("busy", w.busy())
            .put("free", w.free())
            .put("draining", w.draining()));
      }
      byModel.put(model, new JsonObject()
          .put("waiting", dispatcher.waiting(model))
          .put("running", dispatcher.running(model))
          .put("slots", slots)
          .put("busySlots", busy)
          .put("workers", workers));
    }
    JsonArray recent = new JsonArray();
    dispatcher.recentJobs().forEach(j -> recent.add(JsonObject.mapFrom(j)));
    JsonObject body = new JsonObject()
        .put("node", nodeId)
        .put("time", System.currentTimeMillis())
        .put("nodes", new JsonArray(new TreeSet<>(membership.nodes()).stream().toList()))
        .put("models", byModel)
        .put("recentJobs", recent);
    ctx.response().putHeader("Content-Type", "application/json").end(body.encodePrettily());
  }
}

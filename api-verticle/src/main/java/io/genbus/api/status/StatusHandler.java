package io.genbus.api.status;

import io.genbus.api.jobs.JobDispatcher;
import io.genbus.api.jobs.Scheduler;
import io.genbus.api.jobs.WorkerBackend;
import io.genbus.api.jobs.WorkerDirectory;
import io.genbus.cluster.Membership;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.TreeSet;

/**
 * {@code GET /v1/status}: per model, the jobs waiting and running on this API node, the slots of the
 * cluster and each worker's load; the cluster's nodes; and the last jobs that ended on this node.
 * {@code GET /v1/status/history}: the last 15 minutes per model ({@link StatusHistory}).
 */
public final class StatusHandler {

  private final String nodeId;
  private final Membership membership;
  private final Scheduler scheduler;
  private final RecentJobs recentJobs;
  private final StatusHistory history;

  public StatusHandler(String nodeId, Membership membership, Scheduler scheduler, RecentJobs recentJobs,
                       StatusHistory history) {
    this.nodeId = nodeId;
    this.membership = membership;
    this.scheduler = scheduler;
    this.recentJobs = recentJobs;
    this.history = history;
  }

  public void handle(RoutingContext ctx) {
    scheduler.read(this::status)
        .onSuccess(body -> ctx.response().putHeader("Content-Type", "application/json").end(body.encodePrettily()))
        .onFailure(ctx::fail);
  }

  public void history(RoutingContext ctx) {
    scheduler.read((dispatcher, directory) -> history.toJson(System.currentTimeMillis(), directory.models().keySet()))
        .onSuccess(body -> ctx.response().putHeader("Content-Type", "application/json").end(body.encode()))
        .onFailure(ctx::fail);
  }

  /** Runs on the scheduler's loop, where the dispatcher, the directory and the history live. */
  private JsonObject status(JobDispatcher dispatcher, WorkerDirectory directory) {
    TreeSet<String> models = new TreeSet<>(directory.models().keySet());
    dispatcher.queuedModels().stream().filter(m -> dispatcher.waiting(m) > 0).forEach(models::add);
    JsonObject byModel = new JsonObject();
    for (String model : models) {
      JsonArray workers = new JsonArray();
      int slots = 0;
      int busy = 0;
      for (WorkerBackend w : directory.workers(model)) {
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
    recentJobs.list().forEach(j -> recent.add(JsonObject.mapFrom(j)));
    return new JsonObject()
        .put("node", nodeId)
        .put("time", System.currentTimeMillis())
        .put("nodes", new JsonArray(new TreeSet<>(membership.nodes()).stream().toList()))
        .put("models", byModel)
        .put("recentJobs", recent);
  }
}

package io.genbus.api.durable;

import io.genbus.api.durable.JobRecord.Status;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageStore;
import io.genbus.api.jobs.JobListener;
import io.genbus.api.webhooks.WebhookSender;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ErrorLanguage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable job as its owner follows it: every event the dispatcher reports is written to the job's record
 * (images to the image store first), in order, and each write is announced on {@link Addresses#jobChanged}
 * so that watchers on any node read it. Once the job ends its request is dropped, its webhook delivered,
 * and its ownership released. Confined to the owner's scheduler loop, like the dispatcher.
 */
public final class JobRecorder implements JobListener {

  private static final Logger LOG = LoggerFactory.getLogger(JobRecorder.class);

  private final Vertx vertx;
  private final Deps deps;
  private final JobRecord record;
  private Future<Void> chain = Future.succeededFuture();
  private final Runnable onEnded;
  private boolean ended;

  /** What every recorder of a node uses. */
  public record Deps(String nodeId, JobStore store, ImageStore images, ErrorResponses errors, WebhookSender webhooks) {
  }

  /** @param onEnded called once the job ended (its record may still be written after) */
  JobRecorder(Vertx vertx, Deps deps, JobRecord record, Runnable onEnded) {
    this.vertx = vertx;
    this.deps = deps;
    this.record = record;
    this.onEnded = onEnded;
    this.ended = record.status().terminal();
  }

  String id() {
    return record.id();
  }

  JobRecord record() {
    return record;
  }

  /** This node took the job over from one that left: the record says so. */
  void adopted() {
    step(() -> record.ownedBy(deps.nodeId()));
  }

  @Override
  public void onAccepted(String workerId, String controlAddress) {
    step(() -> record.running(workerId, controlAddress, System.currentTimeMillis()));
  }

  @Override
  public void onText(String text) {
    step(() -> record.text(text));
  }

  @Override
  public void onImage(String mimeType, byte[] bytes) {
    chain = chain.transform(ar -> deps.images().put(mimeType, bytes, deps.store().ttlMs())
        .compose(name -> {
          record.image(name, mimeType);
          return write();
        }));
  }

  @Override
  public void onDone() {
    end(Status.SUCCEEDED, null);
  }

  @Override
  public void onError(ErrorCode code, String message) {
    end(Status.FAILED, deps.errors().error(code, null, message));
  }

  /** DELETE: the dispatcher dropped it; the record says cancelled. */
  void cancelled() {
    end(Status.CANCELLED, deps.errors().error(ErrorCode.JOB_CANCELLED, null,
        ErrorCode.JOB_CANCELLED.message(ErrorLanguage.EN)));
  }

  @Override
  public Future<Void> stored() {
    return chain;
  }

  /**
   * The job ended: written, then its request dropped, its webhook delivered (this node retries it for as
   * long as it lives; an adopter resumes it), then nobody needs to own it any more.
   */
  private void end(Status status, JsonObject error) {
    if (ended) {
      return;
    }
    ended = true;
    onEnded.run();
    step(() -> record.ended(status, error, System.currentTimeMillis()));
    Future<Void> written = chain;
    written.compose(v -> deps.store().removeRequest(record.id()))
        .compose(v -> finish())
        .onFailure(err -> LOG.warn("job {}: could not finish its record: {}", record.id(), err.toString()));
  }

  /** After the end is written: the webhook if one is due, then ownership released. */
  Future<Void> finish() {
    Future<Void> webhook = record.webhookPending() && deps.webhooks().enabled() ? deliverWebhook() : Future.succeededFuture();
    return webhook.compose(v -> deps.store().release(record.id(), deps.nodeId()));
  }

  private Future<Void> deliverWebhook() {
    JsonObject webhook = record.webhook();
    int made = webhook.getJsonArray("attempts").size();
    long first = made == 0 ? 0 : webhook.getJsonArray("attempts").getJsonObject(0).getLong("at") * 1000;
    return deps.webhooks().deliver(webhook.getString("url"), "msg_" + record.id(), record.toApi(null), made, first,
            attempt -> step(() -> record.webhookAttempt(attempt.at(), attempt.status(), attempt.error(), attempt.delivered())))
        .compose(delivered -> {
          if (!delivered) {
            step(record::webhookGivenUp);
          }
          return chain;
        });
  }

  /** Changes the record and writes it, after every earlier write. */
  private void step(Runnable change) {
    chain = chain.transform(ar -> {
      change.run();
      return write();
    });
  }

  private Future<Void> write() {
    JobRecord snapshot = record.copy();
    return deps.store().put(snapshot)
        .onSuccess(v -> vertx.eventBus().publish(Addresses.jobChanged(record.id()), (long) snapshot.lastSeq()))
        .onFailure(err -> LOG.warn("job {}: record not written: {}", record.id(), err.toString()));
  }
}

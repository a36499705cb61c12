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
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable job as its owner follows it: every event the dispatcher reports is written to the job's record
 * (images to the image store first), in order, and each write is announced on {@link Addresses#jobChanged}
 * so that watchers on any node read it. Once the job ends its request is dropped, its webhook delivered,
 * and its ownership released. Confined to the owner's scheduler loop, like the dispatcher.
 *
 * <p>A chat job's events come to the recorder itself; an images job's to the listener of each of its parts
 * ({@link #part}): the job succeeds once every part delivered its image, and fails with the first part that
 * fails for good (or delivers none), as a synchronous Images API request would.
 */
public final class JobRecorder implements JobListener {

  private static final Logger LOG = LoggerFactory.getLogger(JobRecorder.class);

  private final Vertx vertx;
  private final Deps deps;
  private final JobRecord record;
  private Future<Void> chain = Future.succeededFuture();
  private final Consumer<Status> onEnded;
  private boolean ended;
  /** Images jobs: parts done, and images received per part (before they are stored: the decisions are made on arrival). */
  private int partsDone;
  private final int[] partImages;

  /** What every recorder of a node uses. */
  public record Deps(String nodeId, JobStore store, ImageStore images, ErrorResponses errors, WebhookSender webhooks) {
  }

  /** @param onEnded called once the job ended, with how (its record may still be written after) */
  JobRecorder(Vertx vertx, Deps deps, JobRecord record, Consumer<Status> onEnded) {
    this.vertx = vertx;
    this.deps = deps;
    this.record = record;
    this.onEnded = onEnded;
    this.ended = record.status().terminal();
    this.partImages = new int[record.parts().size()];
    for (JobRecord.Part part : record.parts()) {
      partImages[part.index()] = record.partImages(part.index());
      partsDone += part.status() == Status.SUCCEEDED ? 1 : 0;
    }
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
    store(mimeType, bytes, name -> record.image(name, mimeType));
  }

  /** Stores an image in the image store (for as long as the record lives), then records it under its name. */
  private void store(String mimeType, byte[] bytes, Consumer<String> record) {
    chain = chain.transform(ar -> deps.images().put(mimeType, bytes, deps.store().ttlMs())
        .compose(name -> {
          record.accept(name);
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

  /** The listener of part {@code index} of an images job. */
  JobListener part(int index) {
    return new JobListener() {
      @Override
      public void onAccepted(String workerId, String controlAddress) {
        if (!ended) {
          step(() -> record.partRunning(index, workerId, controlAddress, System.currentTimeMillis()));
        }
      }

      @Override
      public void onText(String text) {
        if (!ended) {
          step(() -> record.partText(index, text));
        }
      }

      @Override
      public void onImage(String mimeType, byte[] bytes) {
        if (!ended) {
          partImages[index]++;
          store(mimeType, bytes, name -> record.partImage(index, name, mimeType));
        }
      }

      @Override
      public void onDone() {
        if (ended) {
          return;
        }
        if (partImages[index] == 0) {
          onError(ErrorCode.GENERATION_FAILED, ErrorCode.GENERATION_FAILED.message(ErrorLanguage.EN,
              "the backend answered with no image"));
          return;
        }
        step(() -> record.partDone(index));
        if (++partsDone == partImages.length) {
          JobRecorder.this.onDone();
        }
      }

      @Override
      public void onError(ErrorCode code, String message) {
        JobRecorder.this.onError(code, message);
      }

      @Override
      public Future<Void> stored() {
        return chain;
      }
    };
  }

  /** An adopted images job whose parts had all delivered when its owner died: it ends now. */
  void settleParts() {
    if (record.hasParts() && partsDone == partImages.length) {
      onDone();
    }
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
    onEnded.accept(status);
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

package io.genbus.api.jobs;

import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;

/**
 * Receives one job's life as the {@link JobDispatcher} learns it, on the API verticle's event loop.
 * Exactly one of {@link #onDone()} and {@link #onError} is called, last.
 */
public interface JobListener {

  /**
   * A worker took the job (again, after a failover): it runs there now. {@code controlAddress} is null for a
   * job (never a durable one) that ended as soon as it was taken: its final event follows at once.
   */
  default void onAccepted(String workerId, String controlAddress) {
  }

  void onText(String text);

  void onImage(String mimeType, byte[] bytes);

  /** A preview of the image to come (the Images API's {@code partial_images}); not content: it may repeat after a failover. */
  default void onPartialImage(String mimeType, byte[] bytes) {
  }

  void onDone();

  void onError(ErrorCode code, String message);

  /**
   * Completes when what this listener was told so far is safe (a durable job's record is written): the
   * worker's final event is acknowledged only then, so a worker keeps a durable job's result until its owner
   * has stored it.
   */
  default Future<Void> stored() {
    return Future.succeededFuture();
  }
}

package io.genbus.api.jobs;

import io.genbus.protocol.ErrorCode;

/**
 * Receives one job's life as the {@link JobDispatcher} learns it, on the API verticle's event loop.
 * Exactly one of {@link #onDone()} and {@link #onError} is called, last.
 */
public interface JobListener {

  void onText(String text);

  void onImage(String mimeType, byte[] bytes);

  /** A preview of the image to come (the Images API's {@code partial_images}); not content: it may repeat after a failover. */
  default void onPartialImage(String mimeType, byte[] bytes) {
  }

  void onDone();

  void onError(ErrorCode code, String message);
}

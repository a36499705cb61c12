package io.genbus.api.jobs;

import io.genbus.protocol.ErrorCode;

/**
 * Receives one job's life as the {@link JobDispatcher} learns it, on the API verticle's event loop.
 * Exactly one of {@link #onDone()} and {@link #onError} is called, last.
 */
public interface JobListener {

  /** Waiting on its worker for a slot; {@code position} 1 is next. */
  default void onQueued(int position) {
  }

  /** A worker is running it. */
  default void onRunning() {
  }

  void onText(String text);

  void onImage(String mimeType, String base64);

  void onDone();

  void onError(ErrorCode code, String message);
}

package io.genbus.api.jobs;

import io.genbus.protocol.ErrorCode;

/**
 * Receives one job's life as the {@link JobDispatcher} learns it, on the API verticle's event loop.
 * Exactly one of {@link #onDone()} and {@link #onError} is called, last.
 */
public interface JobListener {

  void onText(String text);

  void onImage(String mimeType, byte[] bytes);

  void onDone();

  void onError(ErrorCode code, String message);
}

package io.genbus.api.chat;

import io.genbus.protocol.ErrorCode;

/** Where a job's content goes in the client's answer: a stream or one JSON completion. */
public interface ChatSink {

  /** A piece of content, already formatted (text, or an image as markdown, data URL or link). */
  void onContent(String content);

  void onDone();

  void onError(ErrorCode code, String message);
}

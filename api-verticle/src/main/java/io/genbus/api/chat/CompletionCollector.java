package io.genbus.api.chat;

import io.genbus.api.errors.ErrorResponses;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;

/** A non-streaming answer: collects the job's content and sends one JSON completion, or one error. */
public final class CompletionCollector implements ChatSink {

  private final HttpServerResponse response;
  private final ChatChunks chunks;
  private final ErrorResponses errors;
  private final List<String> parts = new ArrayList<>();

  public CompletionCollector(HttpServerResponse response, ChatChunks chunks, ErrorResponses errors) {
    this.response = response;
    this.chunks = chunks;
    this.errors = errors;
  }

  @Override
  public void onContent(String content) {
    parts.add(content);
  }

  @Override
  public void onDone() {
    if (!response.closed() && !response.ended()) {
      response.putHeader("Content-Type", "application/json").end(chunks.completion(String.join("\n\n", parts)).toBuffer()); // bytes straight from Jackson
    }
  }

  @Override
  public void onError(ErrorCode code, String message) {
    errors.send(response, code.status(), errors.body(code, message));
  }
}

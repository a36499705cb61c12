package io.genbus.api.chat;

import io.genbus.api.durable.JobRecord;
import io.genbus.api.durable.JobRecord.Event;
import io.genbus.api.durable.RecordFollower;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageOutput;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * A durable chat job as its client sees it, from its record on any node: the {@code chat.completion} it
 * produced, and its stream — the chunks a streaming request would have got, each with an SSE {@code id:}
 * (the event's number; 0 for the role chunk), so a client that reconnects with {@code Last-Event-ID} gets
 * only what it missed. Images come back in the configured output mode.
 */
public final class ChatJobView {

  private static final byte[] DATA = "data: ".getBytes(US_ASCII);
  private static final byte[] END = "\n\n".getBytes(US_ASCII);

  private final RecordFollower follower;
  private final ImageOutput images;
  private final ErrorResponses errors;

  public ChatJobView(RecordFollower follower, ImageOutput images, ErrorResponses errors) {
    this.follower = follower;
    this.images = images;
    this.errors = errors;
  }

  /** The {@code chat.completion} of a succeeded job. */
  public Future<JsonObject> completion(JobRecord record, String baseUrl) {
    List<Future<String>> parts = new ArrayList<>();
    for (Event e : record.events()) {
      if (!e.end()) {
        parts.add(content(e, baseUrl));
      }
    }
    return Future.all(parts).map(all -> chunks(record).completion(String.join("\n\n", all.<String>list())));
  }

  /** Waits for the job to end, then answers as a non-streaming request would: the completion, or the error. */
  public void answer(HttpServerResponse response, JobRecord first, String baseUrl) {
    follower.answer(response, first.id(), record -> completion(record, baseUrl));
  }

  /**
   * Streams the job: its events after {@code lastEventId} (all of them, with the role chunk first, when null),
   * then the new ones as they are recorded, keep-alives every {@code keepAliveMs}, and {@code data: [DONE]}.
   */
  public void stream(HttpServerResponse response, JobRecord first, Long lastEventId, String baseUrl) {
    SseStream.eventStreamHeaders(response);
    ChatChunks chunks = chunks(first);
    if (lastEventId == null) {
      frame(response, 0, chunks.roleChunk());
    }
    follower.stream(response, first.id(), lastEventId == null ? 0 : lastEventId, new RecordFollower.Frames() {
      @Override
      public Future<Buffer> content(Event e) {
        return ChatJobView.this.content(e, baseUrl).map(content -> frame(e.seq(), chunks.contentChunk(content, false)));
      }

      @Override
      public Buffer unreadable(Event e, Throwable err) {
        return frame(e.seq(), new JsonObject().put("error", errors.error(ErrorCode.INTERNAL_ERROR, null, err.getMessage())));
      }

      @Override
      public Buffer end(JobRecord record, Event end) {
        JsonObject last = record.status() == JobRecord.Status.SUCCEEDED ? chunks.contentChunk("", true)
            : new JsonObject().put("error", record.error());
        return frame(end.seq(), last).appendString("data: [DONE]\n\n");
      }
    });
  }

  private Future<String> content(Event e, String baseUrl) {
    return e.image() != null ? images.renderStored(e.image(), e.mimeType(), baseUrl) : Future.succeededFuture(e.text());
  }

  private static ChatChunks chunks(JobRecord record) {
    return new ChatChunks("chatcmpl-" + record.id(), record.createdAt() / 1000, record.model());
  }

  private static void frame(HttpServerResponse response, long id, JsonObject json) {
    if (!response.closed()) {
      response.write(frame(id, json));
    }
  }

  private static Buffer frame(long id, JsonObject json) {
    return Buffer.buffer().appendString("id: " + id + "\n").appendBytes(DATA).appendBuffer(json.toBuffer()).appendBytes(END);
  }
}

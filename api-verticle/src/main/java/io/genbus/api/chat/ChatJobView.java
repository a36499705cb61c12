package io.genbus.api.chat;

import io.genbus.api.durable.JobRecord;
import io.genbus.api.durable.JobRecord.Event;
import io.genbus.api.durable.JobStore;
import io.genbus.api.durable.JobWatch;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageOutput;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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

  private final Vertx vertx;
  private final JobStore store;
  private final ImageOutput images;
  private final ErrorResponses errors;
  private final long keepAliveMs;

  public ChatJobView(Vertx vertx, JobStore store, ImageOutput images, ErrorResponses errors, long keepAliveMs) {
    this.vertx = vertx;
    this.store = store;
    this.images = images;
    this.errors = errors;
    this.keepAliveMs = keepAliveMs;
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
    JobWatch[] watch = new JobWatch[1];
    watch[0] = new JobWatch(vertx, store, first.id(), keepAliveMs, record -> {
      if (!record.status().terminal()) {
        return;
      }
      watch[0].stop();
      if (record.status() == JobRecord.Status.SUCCEEDED) {
        completion(record, baseUrl)
            .onSuccess(body -> {
              if (!response.closed()) {
                response.putHeader("Content-Type", "application/json").end(body.toBuffer());
              }
            })
            .onFailure(err -> errors.send(response, 500, errors.body(ErrorCode.INTERNAL_ERROR, err.getMessage())));
      } else {
        JsonObject error = record.error();
        int status = ErrorCode.fromCode(error.getString("code")).status();
        errors.send(response, status, new JsonObject().put("error", error));
      }
    });
    response.closeHandler(v -> watch[0].stop());
    watch[0].start();
  }

  /**
   * Streams the job: its events after {@code lastEventId} (all of them, with the role chunk first, when null),
   * then the new ones as they are recorded, keep-alives every {@code keepAliveMs}, and {@code data: [DONE]}.
   */
  public void stream(HttpServerResponse response, JobRecord first, Long lastEventId, String baseUrl) {
    response.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    ChatChunks chunks = chunks(first);
    if (lastEventId == null) {
      frame(response, 0, chunks.roleChunk());
    }
    new Follower(response, chunks, lastEventId == null ? 0 : lastEventId, baseUrl).start(first.id());
  }

  /** Writes the events of one stream in order; images may take a read of the image store, so writes chain. */
  private final class Follower {
    private final HttpServerResponse response;
    private final ChatChunks chunks;
    private final String baseUrl;
    private long queuedUpTo;
    private Future<Void> writes = Future.succeededFuture();
    private JobWatch watch;
    private long keepAlive = -1;
    private boolean ended;

    Follower(HttpServerResponse response, ChatChunks chunks, long after, String baseUrl) {
      this.response = response;
      this.chunks = chunks;
      this.queuedUpTo = after;
      this.baseUrl = baseUrl;
    }

    void start(String jobId) {
      watch = new JobWatch(vertx, store, jobId, keepAliveMs, this::onRecord);
      response.closeHandler(v -> stop());
      keepAlive = vertx.setPeriodic(keepAliveMs, id -> {
        if (!ended && !response.writeQueueFull()) {
          response.write(": keep-alive\n\n");
        }
      });
      watch.start();
    }

    private void onRecord(JobRecord record) {
      for (Event e : record.events()) {
        if (e.seq() <= queuedUpTo) {
          continue;
        }
        queuedUpTo = e.seq();
        if (e.end()) {
          writes = writes.andThen(v -> end(record, e.seq()));
          stop();
          return;
        }
        writes = writes.compose(v -> content(e, baseUrl)).map(content -> {
          frame(response, e.seq(), chunks.contentChunk(content, false));
          return (Void) null;
        }).recover(err -> {
          frame(response, e.seq(), new JsonObject().put("error", errors.error(ErrorCode.INTERNAL_ERROR, null, err.getMessage())));
          return Future.succeededFuture();
        });
      }
    }

    private void end(JobRecord record, int seq) {
      if (response.closed()) {
        return;
      }
      if (record.status() == JobRecord.Status.SUCCEEDED) {
        frame(response, seq, chunks.contentChunk("", true));
      } else {
        frame(response, seq, new JsonObject().put("error", record.error()));
      }
      response.write("data: [DONE]\n\n");
      response.end();
    }

    private void stop() {
      ended = true;
      watch.stop();
      if (keepAlive >= 0) {
        vertx.cancelTimer(keepAlive);
      }
    }
  }

  private Future<String> content(Event e, String baseUrl) {
    return e.image() != null ? images.renderStored(e.image(), e.mimeType(), baseUrl) : Future.succeededFuture(e.text());
  }

  private static ChatChunks chunks(JobRecord record) {
    return new ChatChunks("chatcmpl-" + record.id(), record.createdAt() / 1000, record.model());
  }

  private static void frame(HttpServerResponse response, long id, JsonObject json) {
    if (!response.closed()) {
      response.write(Buffer.buffer().appendString("id: " + id + "\n").appendBytes(DATA).appendBuffer(json.toBuffer())
          .appendBytes(END));
    }
  }
}

package io.genbus.api.chat;

import io.genbus.api.errors.ErrorResponses;
import io.genbus.config.KeepAliveMode;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Supplier;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * A streaming answer: the role chunk at once, keep-alives every {@code keepAliveMs} from then until the end
 * (also while the job waits for a slot), content chunks, the last one with {@code finish_reason:"stop"}, and
 * {@code data: [DONE]}. An error after the stream opened is a {@code data: {"error":…}} frame, then
 * {@code [DONE]}. The keep-alive timer stops when the stream ends, however it ends.
 *
 * <p>A content piece is held back until the next one (or the end) arrives, so the last piece can carry
 * {@code finish_reason:"stop"} as the spec shows. A piece longer than one {@code data:} line may be
 * ({@code api.stream.maxChunkBytes}: an image's markdown is megabytes) goes as several chunks whose
 * contents, joined, are the piece.
 */
public final class SseStream implements ChatSink {

  private static final byte[] DATA = "data: ".getBytes(US_ASCII);
  private static final byte[] END = "\n\n".getBytes(US_ASCII);

  private final Vertx vertx;
  private final HttpServerResponse response;
  private final ChatChunks chunks;
  private final long keepAliveMs;
  private final KeepAliveMode keepAliveMode;
  private final ErrorResponses errors;
  private final Supplier<Future<Integer>> queuePosition;
  /** The bytes of content one chunk may carry: the longest line less the chunk's own JSON around it. */
  private final int contentBudget;
  private String pending;
  private long timer = -1;
  private boolean ended;

  /**
   * {@code queuePosition} tells the job's place in line (0 when not waiting), for the keep-alive comments;
   * no {@code data:} line is longer than {@code maxLineBytes}.
   */
  public SseStream(Vertx vertx, HttpServerResponse response, ChatChunks chunks, long keepAliveMs,
                   KeepAliveMode keepAliveMode, ErrorResponses errors, Supplier<Future<Integer>> queuePosition,
                   int maxLineBytes) {
    this.contentBudget = maxLineBytes - DATA.length - chunks.contentChunk("", true).toBuffer().length();
    this.vertx = vertx;
    this.queuePosition = queuePosition;
    this.response = response;
    this.chunks = chunks;
    this.keepAliveMs = keepAliveMs;
    this.keepAliveMode = keepAliveMode;
    this.errors = errors;
  }

  /** Makes {@code response} a Server-Sent Events stream that no proxy buffers (chat and Images API streams). */
  public static void eventStreamHeaders(HttpServerResponse response) {
    response.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("Connection", "keep-alive")
        .putHeader("X-Accel-Buffering", "no");
  }

  /** Sends the headers and the role chunk and starts the keep-alives; {@code onClientGone} runs if the client leaves first. */
  public void open(Runnable onClientGone) {
    eventStreamHeaders(response);
    response.closeHandler(v -> {
      if (!ended) {
        stop();
        onClientGone.run();
      }
    });
    data(chunks.roleChunk());
    timer = vertx.setPeriodic(keepAliveMs, id -> keepAlive());
  }

  /** Sends a keep-alive now if the job has to wait, so a queued client hears at once where it stands. */
  public void keepAliveIfQueued() {
    queuePosition.get().onSuccess(position -> {
      if (position > 0 && !ended) {
        if (keepAliveMode == KeepAliveMode.CONTENT) {
          data(chunks.emptyChunk());
        } else {
          comment(position);
        }
      }
    });
  }

  @Override
  public void onContent(String content) {
    push(content);
  }

  @Override
  public void onDone() {
    if (ended) {
      return;
    }
    content(pending == null ? "" : pending, true);
    pending = null;
    finish();
  }

  @Override
  public void onError(ErrorCode code, String message) {
    if (ended) {
      return;
    }
    if (pending != null) {
      content(pending, false);
      pending = null;
    }
    data(new JsonObject().put("error", errors.error(code, null, message)));
    finish();
  }

  private void push(String content) {
    if (ended) {
      return;
    }
    if (pending != null) {
      content(pending, false);
    }
    pending = content;
  }

  private void keepAlive() {
    if (ended || response.writeQueueFull()) {
      return; // a client that is not reading needs no more bytes
    }
    if (keepAliveMode == KeepAliveMode.CONTENT) {
      data(chunks.emptyChunk());
    } else {
      queuePosition.get().onSuccess(this::comment);
    }
  }

  private void comment(int position) {
    if (!ended) {
      response.write(position > 0 ? ": keep-alive queued=" + position + "\n\n" : ": keep-alive\n\n");
    }
  }

  /** One piece of content as one chunk or, when longer than a line may be, as several; the last carries {@code last}. */
  private void content(String piece, boolean last) {
    List<String> parts = ContentSplitter.split(piece, contentBudget);
    for (int i = 0; i < parts.size(); i++) {
      data(chunks.contentChunk(parts.get(i), last && i == parts.size() - 1));
    }
  }

  private void data(JsonObject json) {
    // One buffer, encoded by Jackson straight to bytes: no String of the (image-sized) chunk in between.
    response.write(Buffer.buffer().appendBytes(DATA).appendBuffer(json.toBuffer()).appendBytes(END));
  }

  private void finish() {
    stop();
    response.write("data: [DONE]\n\n");
    response.end();
  }

  private void stop() {
    ended = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}

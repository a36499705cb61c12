package io.genbus.api.images;

import io.genbus.api.chat.SseStream;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageBatch.Made;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * A streamed Images API answer, the events OpenAI specifies: {@code image_generation.partial_image} (or
 * {@code image_edit.*}) for each preview, {@code …completed} for each image, and {@code error} if the request
 * fails; SSE comments ({@code : keep-alive}) every {@code keepAliveMs} from the moment it opens, while the jobs
 * wait or run. The stream ends after the last image (no {@code [DONE]}: OpenAI sends none for images). An
 * event holds a whole image in one {@code data:} line, as OpenAI's do.
 */
final class ImageEventStream implements ImageBatch.Sink {

  private final Vertx vertx;
  private final HttpServerResponse response;
  private final ImageJson json;
  private final long keepAliveMs;
  private final ErrorResponses errors;
  private final Supplier<Future<Integer>> queuePosition;
  private long timer = -1;
  private boolean ended;

  ImageEventStream(Vertx vertx, HttpServerResponse response, ImageJson json, long keepAliveMs, ErrorResponses errors,
                   Supplier<Future<Integer>> queuePosition) {
    this.vertx = vertx;
    this.response = response;
    this.json = json;
    this.keepAliveMs = keepAliveMs;
    this.errors = errors;
    this.queuePosition = queuePosition;
  }

  /** Sends the headers (and a keep-alive at once if the jobs wait); {@code onClientGone} runs if the client leaves first. */
  void open(Runnable onClientGone) {
    SseStream.eventStreamHeaders(response);
    response.closeHandler(v -> {
      if (!ended) {
        stop();
        onClientGone.run();
      }
    });
    keepAlive();
    timer = vertx.setPeriodic(keepAliveMs, id -> keepAlive());
  }

  @Override
  public void partial(int job, int index, String mimeType, byte[] bytes) {
    event(json.eventType("partial_image"), json.partialEvent(index, mimeType, bytes));
  }

  @Override
  public void completed(int job, List<Made> images) {
    images.forEach(image -> event(json.eventType("completed"), json.completedEvent(image)));
  }

  @Override
  public void done(List<Made> images) {
    if (!ended) {
      stop();
      response.end();
    }
  }

  @Override
  public void failed(ErrorCode code, String message) {
    if (!ended) {
      event("error", new JsonObject().put("type", "error").put("error", errors.error(code, null, message)));
      stop();
      response.end();
    }
  }

  private void keepAlive() {
    if (ended || response.writeQueueFull()) {
      return; // a client that is not reading needs no more bytes
    }
    queuePosition.get().onSuccess(position -> {
      if (!ended) {
        response.write(position > 0 ? ": keep-alive queued=" + position + "\n\n" : ": keep-alive\n\n");
      }
    });
  }

  private void event(String type, JsonObject data) {
    if (ended) {
      return;
    }
    response.write(Buffer.buffer()
        .appendString("event: " + type + "\ndata: ", StandardCharsets.US_ASCII.name())
        .appendBuffer(data.toBuffer())
        .appendString("\n\n"));
  }

  private void stop() {
    ended = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}

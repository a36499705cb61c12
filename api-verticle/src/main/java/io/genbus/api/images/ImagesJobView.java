package io.genbus.api.images;

import io.genbus.api.chat.SseStream;
import io.genbus.api.durable.JobRecord;
import io.genbus.api.durable.JobRecord.Event;
import io.genbus.api.durable.RecordFollower;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageBatch.Made;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ImageOptions;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A durable Images API job as its client sees it, from its record on any node: the images response a
 * synchronous request would have got ({@code b64_json} or {@code url}, as the request asked, images in the
 * order of its parts), and its events — OpenAI's {@code image_generation.completed} (or {@code image_edit.*})
 * per image as each is recorded, {@code error} if the job failed, each with an SSE {@code id:} (the event's
 * number) so that {@code Last-Event-ID} resumes. Partial images are previews and are not recorded.
 */
public final class ImagesJobView {

  private final RecordFollower follower;
  private final ImageStore store;
  private final ErrorResponses errors;

  public ImagesJobView(RecordFollower follower, ImageStore store, ErrorResponses errors) {
    this.follower = follower;
    this.store = store;
    this.errors = errors;
  }

  /** What a job's record keeps of its request to build its answer: the response format and the echoed parameters. */
  public static JsonObject answerOf(ImageRequest request) {
    ImageOptions o = request.options();
    return new JsonObject()
        .put("response_format", request.responseFormat())
        .put("width", o.width())
        .put("height", o.height())
        .put("quality", o.quality())
        .put("output_format", o.outputFormat())
        .put("background", o.background());
  }

  /** The images response of a succeeded job. */
  public Future<JsonObject> result(JobRecord record, String baseUrl) {
    ImageJson json = json(record);
    List<Event> images = record.events().stream().filter(e -> e.image() != null)
        .sorted(Comparator.comparingInt(Event::part).thenComparingInt(Event::seq)).toList();
    boolean urls = "url".equals(record.answer().getString("response_format"));
    List<Future<Made>> made = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      Event e = images.get(i);
      // links need no bytes: only the first image's, whose header describes the answer
      made.add(urls && i > 0 ? Future.succeededFuture(new Made(e.mimeType(), null, e.text())) : made(e));
    }
    return Future.all(made).map(all -> json.answer(all.<Made>list(),
        urls ? images.stream().map(e -> baseUrl + "/v1/images/" + e.image()).toList() : null));
  }

  /** Waits for the job to end, then answers as a synchronous request would: the images, or the error. */
  public void answer(HttpServerResponse response, JobRecord first, String baseUrl) {
    follower.answer(response, first.id(), record -> result(record, baseUrl));
  }

  /**
   * Streams the job's events after {@code lastEventId} (all when null), then live ones, with keep-alives;
   * {@code data: [DONE]} at the end when {@code done} ({@code GET /v1/jobs/{id}/events}: the job API's end), else
   * nothing, as the Images API's own stream ends.
   */
  public void stream(HttpServerResponse response, JobRecord first, Long lastEventId, boolean done) {
    SseStream.eventStreamHeaders(response);
    ImageJson json = json(first);
    follower.stream(response, first.id(), lastEventId == null ? 0 : lastEventId, new RecordFollower.Frames() {
      @Override
      public Future<Buffer> content(Event e) {
        return e.image() == null ? Future.succeededFuture(Buffer.buffer())
            : made(e).map(image -> frame(e.seq(), json.eventType("completed"), json.completedEvent(image)));
      }

      @Override
      public Buffer unreadable(Event e, Throwable err) {
        return frame(e.seq(), "error", error(errors.error(ErrorCode.INTERNAL_ERROR, null, err.getMessage())));
      }

      @Override
      public Buffer end(JobRecord record, Event end) {
        Buffer last = record.status() == JobRecord.Status.SUCCEEDED ? Buffer.buffer()
            : frame(end.seq(), "error", error(record.error()));
        return done ? last.appendString("data: [DONE]\n\n") : last;
      }
    });
  }

  private Future<Made> made(Event e) {
    return store.get(e.image()).compose(bytes -> bytes == null
        ? Future.failedFuture("image " + e.image() + " expired")
        : Future.succeededFuture(new Made(e.mimeType(), bytes.getBytes(), e.text())));
  }

  /** The answer's JSON as the job's request would have had it. */
  private static ImageJson json(JobRecord record) {
    JsonObject a = record.answer();
    ImageOptions options = new ImageOptions(a.getInteger("width"), a.getInteger("height"), a.getString("quality"),
        a.getString("output_format"), null, a.getString("background"), 0, null);
    ImageRequest request = new ImageRequest(JobRecord.IMAGE_EDIT.equals(record.kind()), record.model(), "",
        record.parts().size(), options, a.getString("response_format"), false, List.of(), null, null);
    return new ImageJson(request, record.createdAt() / 1000);
  }

  private static JsonObject error(JsonObject error) {
    return new JsonObject().put("type", "error").put("error", error);
  }

  private static Buffer frame(long id, String type, JsonObject data) {
    return Buffer.buffer().appendString("id: " + id + "\nevent: " + type + "\ndata: ").appendBuffer(data.toBuffer())
        .appendString("\n\n");
  }
}

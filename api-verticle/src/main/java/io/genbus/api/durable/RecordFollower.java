package io.genbus.api.durable;

import io.genbus.api.durable.JobRecord.Event;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * A durable job's record followed to one HTTP response, from any API node: as a stream of its events after a
 * given one, then live ones, with {@code : keep-alive} comments, until its end; or as one answer once it ended.
 * How each kind of job's events look is its view's ({@link Frames}); the following is the same for all.
 */
public final class RecordFollower {

  /** How one kind of job's events are written. */
  public interface Frames {
    /** The frame of a content event (it may read the image store); an empty buffer writes nothing. */
    Future<Buffer> content(Event event);

    /** What is written instead when the event's content cannot be read (its image expired, say). */
    Buffer unreadable(Event event, Throwable err);

    /** The last frames, for the end event of a job that ended as {@code record} says. */
    Buffer end(JobRecord record, Event end);
  }

  private final Vertx vertx;
  private final JobStore store;
  private final ErrorResponses errors;
  private final long keepAliveMs;

  public RecordFollower(Vertx vertx, JobStore store, ErrorResponses errors, long keepAliveMs) {
    this.vertx = vertx;
    this.store = store;
    this.errors = errors;
    this.keepAliveMs = keepAliveMs;
  }

  /**
   * Waits for the job to end, then answers as a synchronous request would: {@code result} of a succeeded job,
   * or the job's error with its status.
   */
  public void answer(HttpServerResponse response, String jobId, Function<JobRecord, Future<JsonObject>> result) {
    JobWatch[] watch = new JobWatch[1];
    watch[0] = new JobWatch(vertx, store, jobId, keepAliveMs, record -> {
      if (!record.status().terminal()) {
        return;
      }
      watch[0].stop();
      if (record.status() == JobRecord.Status.SUCCEEDED) {
        result.apply(record)
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
   * Streams the job's events numbered after {@code after} (its headers already set), then the new ones as they
   * are recorded, with keep-alives every {@code keepAliveMs}, and ends the response after the end event.
   */
  public void stream(HttpServerResponse response, String jobId, long after, Frames frames) {
    new Follower(response, frames, after).start(jobId);
  }

  /** Writes the events of one stream in order; content may take a read of the image store, so writes chain. */
  private final class Follower {
    private final HttpServerResponse response;
    private final Frames frames;
    private long queuedUpTo;
    private Future<Void> writes = Future.succeededFuture();
    private JobWatch watch;
    private long keepAlive = -1;
    private boolean ended;

    Follower(HttpServerResponse response, Frames frames, long after) {
      this.response = response;
      this.frames = frames;
      this.queuedUpTo = after;
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
          writes = writes.andThen(v -> {
            if (!response.closed()) {
              response.end(frames.end(record, e));
            }
          });
          stop();
          return;
        }
        writes = writes.compose(v -> frames.content(e))
            .recover(err -> Future.succeededFuture(frames.unreadable(e, err)))
            .map(frame -> {
              if (frame.length() > 0 && !response.closed()) {
                response.write(frame);
              }
              return (Void) null;
            });
      }
    }

    private void stop() {
      ended = true;
      watch.stop();
      if (keepAlive >= 0) {
        vertx.cancelTimer(keepAlive);
      }
    }
  }
}

package io.genbus.client;

import io.genbus.protocol.Addresses;
import io.genbus.protocol.JobLog;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One job's events as a {@link ReadStream}: subscribes to the job's change announcements, then asks any API
 * node for the events after the last one it has (on every announcement, and every {@code pollMs} in case one was
 * lost or an ask failed), and hands them on in order, each once, as fast as the reader's demand allows. A
 * failed ask that another API node may answer (none answered, a timeout, a 5xx) is asked again; a 4xx (the job
 * is unknown, expired or not the caller's) fails the stream. Everything runs on the context it was made on.
 */
final class JobStream implements ReadStream<GenbusEvent> {

  private final Vertx vertx;
  private final GenbusClient client;
  private final Context context;
  private final Deque<GenbusEvent> queue = new ArrayDeque<>();
  private Handler<GenbusEvent> handler;
  private Handler<Throwable> exceptionHandler;
  private Handler<Void> endHandler;
  private long demand = Long.MAX_VALUE;
  private String jobId;
  private int seq;
  private String status;
  private MessageConsumer<Long> notices;
  private long timer = -1;
  private boolean asking;
  private boolean askAgain;
  private boolean finished;
  private Throwable failure;
  private boolean signalled;

  JobStream(Vertx vertx, GenbusClient client) {
    this.vertx = vertx;
    this.client = client;
    this.context = vertx.getOrCreateContext();
  }

  void follow(String jobId, int afterSeq) {
    context.runOnContext(v -> {
      this.jobId = jobId;
      this.seq = afterSeq;
      notices = vertx.eventBus().consumer(Addresses.jobChanged(jobId), m -> ask());
      // asked once the subscription is known to the cluster: no announcement falls between the two
      notices.completion().onComplete(ar -> ask());
      timer = vertx.setPeriodic(client.options().pollMs(), id -> ask());
    });
  }

  void fail(Throwable err) {
    context.runOnContext(v -> finish(GenbusException.of(err)));
  }

  private void ask() {
    if (finished) {
      return;
    }
    if (asking) {
      askAgain = true;
      return;
    }
    asking = true;
    askAgain = false;
    vertx.eventBus().<JobLog>request(Addresses.JOBS_EVENTS, new JsonObject().put("id", jobId).put("since", seq),
            client.delivery())
        .onComplete(ar -> {
          asking = false;
          if (ar.succeeded()) {
            JobLog log = ar.result().body();
            apply(log);
            if (log.more()) {
              askAgain = true;
            }
          } else if (!retried(ar.cause())) {
            finish(GenbusException.of(ar.cause()));
          }
          if (askAgain) {
            ask();
          }
        });
  }

  /** Whether another ask may succeed where this one failed (then the next announcement or tick asks again). */
  private static boolean retried(Throwable err) {
    return GenbusClient.unanswered(err) || (err instanceof ReplyException reply
        && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() >= 500);
  }

  private void apply(JobLog log) {
    if (finished) {
      return;
    }
    if (!log.status().equals(status) && !terminal(log.status())) {
      status = log.status();
      emit(new GenbusEvent(jobId, GenbusEvent.Type.STATUS, seq, status, null, null, null, null));
    }
    for (JobLog.Entry e : log.events()) {
      if (e.seq() <= seq) {
        continue; // already delivered (an ask that crossed an earlier one)
      }
      seq = e.seq();
      emit(switch (e.type()) {
        case JobLog.Entry.TEXT -> new GenbusEvent(jobId, GenbusEvent.Type.TEXT, seq, null, e.text(), null, null, null);
        case JobLog.Entry.IMAGE -> new GenbusEvent(jobId, GenbusEvent.Type.IMAGE, seq, null, null, e.mimeType(), e.data(), null);
        case JobLog.Entry.DONE -> new GenbusEvent(jobId, GenbusEvent.Type.DONE, seq, log.status(), null, null, null, null);
        default -> new GenbusEvent(jobId, GenbusEvent.Type.ERROR, seq, log.status(), null, null, null,
            GenbusException.of(e.error()));
      });
      if (e.last()) {
        finish(null);
        return;
      }
    }
  }

  private static boolean terminal(String status) {
    return status.equals("succeeded") || status.equals("failed") || status.equals("cancelled");
  }

  /** Stops following; the stream ends (or fails) once the reader has taken what is queued. */
  private void finish(Throwable err) {
    if (finished) {
      return;
    }
    finished = true;
    failure = err;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (notices != null) {
      notices.unregister();
    }
    drain();
  }

  private void emit(GenbusEvent event) {
    queue.add(event);
    drain();
  }

  private void drain() {
    while (demand > 0 && handler != null && !queue.isEmpty()) {
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      handler.handle(queue.poll());
    }
    if (finished && queue.isEmpty() && !signalled) {
      if (failure != null && exceptionHandler != null) {
        signalled = true;
        exceptionHandler.handle(failure);
      } else if (failure == null && endHandler != null) {
        signalled = true;
        endHandler.handle(null);
      }
    }
  }

  @Override
  public JobStream handler(Handler<GenbusEvent> handler) {
    context.runOnContext(v -> {
      this.handler = handler;
      drain();
    });
    return this;
  }

  @Override
  public JobStream exceptionHandler(Handler<Throwable> handler) {
    context.runOnContext(v -> {
      this.exceptionHandler = handler;
      drain();
    });
    return this;
  }

  @Override
  public JobStream endHandler(Handler<Void> handler) {
    context.runOnContext(v -> {
      this.endHandler = handler;
      drain();
    });
    return this;
  }

  @Override
  public JobStream pause() {
    context.runOnContext(v -> demand = 0);
    return this;
  }

  @Override
  public JobStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public JobStream fetch(long amount) {
    context.runOnContext(v -> {
      demand = amount == Long.MAX_VALUE || demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      drain();
    });
    return this;
  }
}

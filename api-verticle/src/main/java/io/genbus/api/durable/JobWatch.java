package io.genbus.api.durable;

import io.genbus.protocol.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a durable job's record from any API node: reads it once the change notices of its owner
 * ({@link Addresses#jobChanged}) are subscribed, again on every notice, and every {@code pollMs} in case a
 * notice was missed (an owner that died before announcing its last write). Calls {@code onRecord} on the
 * caller's event loop, one read at a time, until {@link #stop}.
 */
public final class JobWatch {

  private static final Logger LOG = LoggerFactory.getLogger(JobWatch.class);

  private final Vertx vertx;
  private final JobStore store;
  private final String jobId;
  private final long pollMs;
  private final Consumer<JobRecord> onRecord;
  private MessageConsumer<Long> notices;
  private long timer = -1;
  private boolean reading;
  private boolean readAgain;
  private boolean stopped;

  public JobWatch(Vertx vertx, JobStore store, String jobId, long pollMs, Consumer<JobRecord> onRecord) {
    this.vertx = vertx;
    this.store = store;
    this.jobId = jobId;
    this.pollMs = pollMs;
    this.onRecord = onRecord;
  }

  public JobWatch start() {
    notices = vertx.eventBus().consumer(Addresses.jobChanged(jobId), m -> read());
    notices.completion().onComplete(ar -> read());
    timer = vertx.setPeriodic(pollMs, id -> read());
    return this;
  }

  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (notices != null) {
      notices.unregister();
    }
  }

  private void read() {
    if (stopped) {
      return;
    }
    if (reading) {
      readAgain = true;
      return;
    }
    reading = true;
    store.record(jobId)
        .onSuccess(record -> {
          if (!stopped && record != null) {
            onRecord.accept(record);
          }
        })
        .onFailure(err -> LOG.debug("job {}: record not read: {}", jobId, err.toString()))
        .onComplete(ar -> {
          reading = false;
          if (readAgain) {
            readAgain = false;
            read();
          }
        });
  }
}

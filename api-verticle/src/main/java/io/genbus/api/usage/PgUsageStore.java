package io.genbus.api.usage;

import io.genbus.config.DbConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage history in PostgreSQL, written off the request path. {@link #record} only appends to a bounded buffer
 * (any thread, never blocks, never touches the database); a flush on this store's own context writes up to
 * {@code db.batchRows} rows in one {@code executeBatch} every {@code db.flushMillis}, or as soon as a batch is
 * full. Each row is inserted with {@code ON CONFLICT (job_id) DO NOTHING}, so a batch retried after a lost
 * answer never doubles a row.
 *
 * <p>While the database is unreachable rows wait, and the write is retried with backoff (0.1 s doubling to 2 s):
 * after an outage the backlog goes out in back-to-back batches. Past {@code db.bufferRows} waiting rows the
 * oldest are dropped and counted ({@code genbus_usage_rows_dropped_total}); {@code genbus_usage_rows_buffered}
 * shows the backlog, {@code genbus_usage_rows_written_total} the rows inserted.
 */
public final class PgUsageStore implements UsageSink {

  private static final Logger LOG = LoggerFactory.getLogger(PgUsageStore.class);
  static final String INSERT = "INSERT INTO usage (job_id, request_id, tenant, key_id, model, endpoint, n, size, status,"
      + " error_code, queue_wait_ms, generation_ms, worker_id, api_node, created_at, ended_at)"
      + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
      + " ON CONFLICT (job_id) DO NOTHING";
  private static final long FIRST_BACKOFF_MS = 100;
  private static final long LONGEST_BACKOFF_MS = 2000;

  private final Context context;
  private final Pool pool;
  private final int bufferRows;
  private final int batchRows;
  private final long flushMillis;
  private final Counter dropped;
  private final Counter written;
  /** Rows waiting, oldest first; guarded by itself (record() comes from any event loop). */
  private final ArrayDeque<UsageRow> buffer = new ArrayDeque<>();
  // The rest is confined to the context.
  private boolean writing;
  private boolean stopped;
  private long backoffMs;
  private long retryTimer = -1;
  private long periodic = -1;
  private boolean failing;

  /** @param context where flushes run (its event loop); {@link #record} may be called from anywhere */
  public PgUsageStore(Context context, Pool pool, DbConfig db, MeterRegistry metrics) {
    this.context = context;
    this.pool = pool;
    this.bufferRows = db.bufferRows();
    this.batchRows = db.batchRows();
    this.flushMillis = db.flushMillis();
    this.dropped = Counter.builder("genbus.usage.rows.dropped")
        .description("Usage rows dropped because the buffer was full while the database was unreachable")
        .register(metrics);
    this.written = Counter.builder("genbus.usage.rows.written")
        .description("Usage rows written to the database")
        .register(metrics);
    Gauge.builder("genbus.usage.rows.buffered", this, PgUsageStore::buffered)
        .description("Usage rows waiting to be written to the database")
        .register(metrics);
  }

  /** Starts the periodic flush (on the store's context). */
  public void start() {
    context.runOnContext(v -> periodic = context.owner().setPeriodic(flushMillis, id -> flush()));
  }

  @Override
  public void record(UsageRow row) {
    boolean full;
    synchronized (buffer) {
      if (buffer.size() >= bufferRows) {
        buffer.pollFirst();
        dropped.increment();
      }
      buffer.addLast(row);
      full = buffer.size() == batchRows;
    }
    if (full) {
      context.runOnContext(v -> flush());
    }
  }

  /** Rows waiting (the batch being written included). */
  public int buffered() {
    synchronized (buffer) {
      return buffer.size();
    }
  }

  /** Writes one batch unless one is being written or a retry is pending; chains the next while full batches wait. */
  private void flush() {
    if (writing || retryTimer >= 0 || stopped) {
      return;
    }
    write().onComplete(ar -> {
      if (ar.succeeded() && buffered() >= batchRows) {
        flush();
      }
    });
  }

  /**
   * Writes the oldest rows (up to a batch); they leave the buffer only once written. Fails when the database
   * did, after scheduling a retry with backoff.
   */
  private Future<Void> write() {
    List<UsageRow> batch = peek();
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    writing = true;
    List<Tuple> tuples = batch.stream().map(PgUsageStore::tuple).toList();
    return pool.preparedQuery(INSERT).executeBatch(tuples)
        .map(PgUsageStore::inserted)
        .andThen(ar -> {
          writing = false;
          if (ar.succeeded()) {
            remove(batch);
            written.increment(ar.result());
            backoffMs = 0;
            if (failing) {
              failing = false;
              LOG.info("usage history: the database is reachable again; {} rows wait", buffered());
            }
          } else {
            backoffMs = backoffMs == 0 ? FIRST_BACKOFF_MS : Math.min(LONGEST_BACKOFF_MS, backoffMs * 2);
            if (!failing) {
              failing = true;
              LOG.warn("usage history: cannot write to the database ({}); rows wait (at most {}) and are retried",
                  ar.cause().getMessage(), bufferRows);
            }
            if (!stopped) {
              retryTimer = context.owner().setTimer(backoffMs, id -> {
                retryTimer = -1;
                flush();
              });
            }
          }
        })
        .mapEmpty();
  }

  /** Rows a batch inserted: a row already there (a batch retried after a lost answer) is not counted again. */
  private static int inserted(RowSet<Row> result) {
    int rows = 0;
    for (RowSet<Row> r = result; r != null; r = r.next()) {
      rows += r.rowCount();
    }
    return rows;
  }

  private List<UsageRow> peek() {
    synchronized (buffer) {
      List<UsageRow> batch = new ArrayList<>(Math.min(batchRows, buffer.size()));
      for (UsageRow row : buffer) {
        if (batch.size() == batchRows) {
          break;
        }
        batch.add(row);
      }
      return batch;
    }
  }

  /** Removes a written batch: still at the head, unless rows were dropped meanwhile (then fewer are left). */
  private void remove(List<UsageRow> batch) {
    synchronized (buffer) {
      for (UsageRow row : batch) {
        if (buffer.peekFirst() == row) {
          buffer.pollFirst();
        }
      }
    }
  }

  /**
   * Stops the periodic flush and tries to write what is left within {@code timeoutMs}; rows still waiting then
   * are lost (and logged). Completes on the store's context.
   */
  public Future<Void> stop(long timeoutMs) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      stopped = true; // no more periodic flushes or scheduled retries: drain() writes from now on
      if (periodic >= 0) {
        context.owner().cancelTimer(periodic);
      }
      if (retryTimer >= 0) {
        context.owner().cancelTimer(retryTimer);
        retryTimer = -1;
      }
      drain(System.currentTimeMillis() + timeoutMs, done);
    });
    return done.future();
  }

  private void drain(long deadline, Promise<Void> done) {
    long left = deadline - System.currentTimeMillis();
    if (buffered() == 0 || left <= 0) {
      if (buffered() > 0) {
        LOG.warn("usage history: {} rows could not be written before the node stopped", buffered());
      }
      done.tryComplete();
      return;
    }
    if (writing) { // a batch still on its way: wait for its answer
      context.owner().setTimer(20, id -> drain(deadline, done));
      return;
    }
    write().timeout(left, TimeUnit.MILLISECONDS).onComplete(ar -> {
      if (ar.succeeded()) {
        drain(deadline, done);
      } else {
        long wait = Math.max(1, Math.min(backoffMs, deadline - System.currentTimeMillis()));
        context.owner().setTimer(wait, id -> drain(deadline, done));
      }
    });
  }

  static Tuple tuple(UsageRow r) {
    return Tuple.wrap(Arrays.asList(r.jobId(), r.requestId(), r.tenant(), r.keyId(), r.model(), r.endpoint(), r.n(),
        r.size(), r.status(), r.errorCode(), r.queueWaitMs(), r.generationMs(), r.workerId(), r.apiNode(),
        time(r.createdAt()), time(r.endedAt())));
  }

  /** A timestamptz parameter. */
  static OffsetDateTime time(long epochMs) {
    return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
  }
}

package io.genbus.api.limits;

import io.genbus.api.errors.ApiException;
import io.genbus.protocol.ErrorCode;

/**
 * What one API node has taken on: open chat requests, the streams among them, and the bytes they hold
 * (first the request body, then the prompt and the converted input images). Each has a ceiling; a request
 * that would pass one is refused with 429 node_busy, so the node answers instead of running out of memory.
 * The byte ceiling is never in the way of a lone request: when nothing else is held, any one fits.
 *
 * <p>One per node, shared by its HTTP event loops: every method holds the lock for a few arithmetic steps.
 */
public final class NodeLimits {

  /** The share of the heap that open requests may hold. */
  public static final int HEAP_SHARE_DIVISOR = 3;
  /** A busy node frees up as its requests end: worth a try again soon. */
  static final int RETRY_AFTER_SECONDS = 2;

  private final int maxJobs;
  private final int maxStreams;
  private final long maxBytes;
  private int jobs;
  private int streams;
  private long bytes;

  public NodeLimits(int maxJobs, int maxStreams, long maxBytes) {
    this.maxJobs = maxJobs;
    this.maxStreams = maxStreams;
    this.maxBytes = maxBytes;
  }

  /** Limits whose byte ceiling is a third of this JVM's heap. */
  public static NodeLimits forHeap(int maxJobs, int maxStreams) {
    return new NodeLimits(maxJobs, maxStreams, Runtime.getRuntime().maxMemory() / HEAP_SHARE_DIVISOR);
  }

  /** Admits one request holding {@code held} bytes, or throws 429 node_busy. */
  public synchronized Ticket open(long held) {
    if (jobs >= maxJobs) {
      throw busy("open requests", maxJobs);
    }
    if (!fits(held)) {
      throw busy("bytes held by open requests", maxBytes);
    }
    jobs++;
    bytes += held;
    return new Ticket(held);
  }

  public synchronized int openJobs() {
    return jobs;
  }

  public synchronized int openStreams() {
    return streams;
  }

  public synchronized long heldBytes() {
    return bytes;
  }

  public long maxBytes() {
    return maxBytes;
  }

  private boolean fits(long more) {
    return bytes == 0 || bytes + more <= maxBytes;
  }

  private static ApiException busy(String what, long limit) {
    return new ApiException(ErrorCode.NODE_BUSY, null, limit + " " + what).retryAfter(RETRY_AFTER_SECONDS);
  }

  /** One admitted request; {@link #close} (idempotent) gives back everything it holds. */
  public final class Ticket {
    private long held;
    private boolean stream;
    private boolean closed;

    private Ticket(long held) {
      this.held = held;
    }

    /** The request turned out to be a stream: counts it, or throws 429 node_busy. */
    public void stream() {
      synchronized (NodeLimits.this) {
        if (closed || stream) {
          return;
        }
        if (streams >= maxStreams) {
          throw busy("open streams", maxStreams);
        }
        streams++;
        stream = true;
      }
    }

    /** The request now holds {@code now} bytes instead of what it held; throws 429 node_busy if that does not fit. */
    public void hold(long now) {
      synchronized (NodeLimits.this) {
        if (closed) {
          return;
        }
        bytes -= held;
        if (!fits(now)) {
          bytes += held;
          throw busy("bytes held by open requests", maxBytes);
        }
        bytes += now;
        held = now;
      }
    }

    public void close() {
      synchronized (NodeLimits.this) {
        if (closed) {
          return;
        }
        closed = true;
        jobs--;
        bytes -= held;
        if (stream) {
          streams--;
        }
      }
    }
  }
}

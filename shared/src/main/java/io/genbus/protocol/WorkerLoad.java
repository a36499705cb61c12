package io.genbus.protocol;

/**
 * A worker backend's load, published on {@link Addresses#WORKERS_LOAD} when the backend becomes full,
 * frees a slot or starts draining, and with every heartbeat, so API nodes can send jobs only where a slot is free.
 *
 * @param workerId    the backend (see {@link WorkerInfo})
 * @param busy        jobs it runs now
 * @param concurrency its slots
 * @param draining    it takes no new jobs (shutting down)
 * @param unanswered  of the {@code busy} jobs, those whose request it has not answered yet ({@link Job#finalAsReply}):
 *                    the API node that sent one still counts it as on its way, and must not count it twice
 */
public record WorkerLoad(String workerId, int busy, int concurrency, boolean draining, int unanswered) {

  /** The load of a backend that holds no answer back. */
  public WorkerLoad(String workerId, int busy, int concurrency, boolean draining) {
    this(workerId, busy, concurrency, draining, 0);
  }
}

package io.genbus.protocol;

/**
 * A worker node's counters, the reply to a {@link StatusRequest} on its control address.
 *
 * @param running    jobs running now, all backends together
 * @param slots      slots of all its backends
 * @param peakRunning the most jobs that ever ran at once on the node
 * @param overbooked true if any backend ever ran more jobs than its concurrency (must never happen)
 * @param draining   true once the node stopped taking jobs to shut down
 * @param completed  jobs that ended with DONE
 * @param failed     jobs that ended with ERROR
 * @param cancelled  jobs stopped by a cancel or because their API node went away
 */
public record WorkerStats(int running, int slots, int peakRunning, boolean overbooked, boolean draining,
                          long completed, long failed, long cancelled) {
}

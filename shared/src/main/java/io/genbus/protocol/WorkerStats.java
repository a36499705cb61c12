package io.genbus.protocol;

/**
 * A worker node's counters, the reply to a {@link StatusRequest} on its control address.
 *
 * @param running   jobs running now
 * @param queued    jobs waiting for a slot on this node
 * @param completed jobs that ended with DONE
 * @param failed    jobs that ended with ERROR
 * @param cancelled jobs stopped by a cancel or because their API node went away
 */
public record WorkerStats(int running, int queued, long completed, long failed, long cancelled) {
}

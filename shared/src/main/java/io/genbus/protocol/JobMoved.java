package io.genbus.protocol;

/**
 * Sent by the API node that adopted a durable job (its owner left the cluster) to the control address of
 * the worker running it: from now on the job's events go to {@code replyTo}. The worker answers {@code true}
 * and sends again every event the old owner did not acknowledge, or {@code false} when it does not have the
 * job (then the new owner dispatches it again).
 */
public record JobMoved(String jobId, String replyTo) {
}

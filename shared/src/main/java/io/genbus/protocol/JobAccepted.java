package io.genbus.protocol;

/**
 * The reply a worker gives to a {@link Job} request once it owns the job.
 *
 * @param jobId          the job
 * @param workerId       the worker that owns it (node id and backend index)
 * @param controlAddress where {@link CancelJob} for this job must be sent
 * @param queuePosition  0 when it runs at once, otherwise its place in the worker's waiting line
 */
public record JobAccepted(String jobId, String workerId, String controlAddress, int queuePosition) {
}

package io.genbus.protocol;

/**
 * The reply a worker gives to a {@link Job} request once it owns the job and runs it in a free slot.
 * A worker without a free slot fails the request with {@link ErrorCode#WORKER_BUSY} instead.
 *
 * @param jobId          the job
 * @param workerId       the worker that owns it (node id and backend index)
 * @param controlAddress where {@link CancelJob} for this job must be sent
 */
public record JobAccepted(String jobId, String workerId, String controlAddress) {
}

package io.genbus.protocol;

/**
 * The reply a worker gives to a {@link Job} request once it owns the job and runs it in a free slot.
 * A worker without a free slot fails the request with {@link ErrorCode#WORKER_BUSY} instead. When the job says
 * its sender takes a final event as the reply ({@link Job#finalAsReply}), a job that ends within a moment is
 * answered by its final {@link JobEvent} instead of this.
 *
 * @param jobId          the job
 * @param workerId       the worker that owns it (node id and backend index)
 * @param controlAddress where {@link CancelJob} for this job must be sent
 */
public record JobAccepted(String jobId, String workerId, String controlAddress) {
}

package io.genbus.protocol;

/**
 * Sent by the API node that adopted a durable job its record shows as not yet running, to the control address
 * of each worker node serving the job's model: does a backend here have the job? The answer is that backend's
 * worker id, or an empty string. It changes nothing on the worker; the adopter then follows the job there with
 * {@link JobMoved}, or dispatches it again when no worker has it.
 */
public record JobQuery(String jobId) {
}

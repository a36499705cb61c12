package io.genbus.protocol;

/**
 * Sent by the API verticle to a worker's control address when the client went away or the job is
 * abandoned; the worker stops the job and frees its slot. Idempotent: an unknown job id is ignored.
 */
public record CancelJob(String jobId, String reason) {
}

package io.genbus.protocol;

/**
 * Who asked for a job, for limits, fair share and usage: the caller's tenant and key id (never the key),
 * the endpoint, and the request the job serves (an Images API request with {@code n} > 1 is n jobs; its
 * request id is the first job's id). Travels with the {@link Job}, so an API node that adopts a job knows
 * whose it is.
 */
public record JobOrigin(String tenant, String keyId, String endpoint, String requestId) {
}

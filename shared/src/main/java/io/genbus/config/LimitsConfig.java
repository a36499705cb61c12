package io.genbus.config;

/**
 * {@code api.limits}: what one API node takes on at once, and how long a client may take to send a request.
 * Memory is bounded as well, from the heap (see README, "Limits"): these are the counts and the clocks.
 *
 * @param maxOpenJobs        chat requests this node handles at once, streamed or not, from their first byte to
 *                           their last (12,000); one more gets 429 node_busy
 * @param maxOpenStreams     of those, streams (10,000: what one node was measured to hold with a 1 GiB heap,
 *                           keep-alives on time); one more gets 429 node_busy
 * @param idleTimeoutSeconds a connection with no request in flight — idle between requests, or still
 *                           sending a request's headers — is closed after this long (60)
 * @param bodyTimeoutSeconds a request's body must have arrived this long after its headers (120); else 408
 *                           request_timeout and the connection is closed
 */
public record LimitsConfig(Integer maxOpenJobs, Integer maxOpenStreams, Integer idleTimeoutSeconds,
                           Integer bodyTimeoutSeconds) {
  public LimitsConfig {
    maxOpenJobs = Checks.range("api.limits.maxOpenJobs", maxOpenJobs, 12_000, 1, 1_000_000);
    maxOpenStreams = Checks.range("api.limits.maxOpenStreams", maxOpenStreams, 10_000, 0, 1_000_000);
    idleTimeoutSeconds = Checks.range("api.limits.idleTimeoutSeconds", idleTimeoutSeconds, 60, 1, 3600);
    bodyTimeoutSeconds = Checks.range("api.limits.bodyTimeoutSeconds", bodyTimeoutSeconds, 120, 1, 3600);
  }

  public static LimitsConfig defaults() {
    return new LimitsConfig(null, null, null, null);
  }
}

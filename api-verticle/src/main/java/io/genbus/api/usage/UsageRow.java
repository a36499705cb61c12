package io.genbus.api.usage;

/**
 * One finished job, as usage history keeps it (a PostgreSQL row with {@code db.url}; otherwise counted in
 * the cluster's hourly totals). Never the key: {@code keyId} is the first 16 hex digits of its SHA-256.
 *
 * @param jobId      the job
 * @param requestId  the request it served: an Images API request with {@code n} > 1 is n jobs of one request
 * @param tenant     the tenant of the key
 * @param keyId      the key's id
 * @param model      the model asked for
 * @param endpoint   e.g. {@code /v1/chat/completions}, {@code /v1/images/generations}
 * @param n          images the job delivered (0 when it failed)
 * @param size       {@code WxH} asked for, or null (the backend's default)
 * @param status     {@code done}, {@code cancelled} or {@code error}
 * @param errorCode  the error code when {@code status} is error (e.g. job_timeout), else null
 * @param queueWaitMs time from admission to the first dispatch
 * @param generationMs time running on workers
 * @param workerId   the last worker, or null when it never ran
 * @param apiNode    the API node that owned it at the end
 * @param createdAt  epoch millis the request was taken
 * @param endedAt    epoch millis it ended
 */
public record UsageRow(String jobId, String requestId, String tenant, String keyId, String model, String endpoint,
                       int n, String size, String status, String errorCode, long queueWaitMs, long generationMs,
                       String workerId, String apiNode, long createdAt, long endedAt) {
}

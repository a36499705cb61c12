package io.genbus.api.durable;

import io.genbus.cluster.ClusterSeal;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.Job;
import io.genbus.protocol.RecordCodec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Every access to the durable-job maps of the cluster, in one place (docs/protocol.md, "Durable jobs"):
 * records, owners, requests and idempotency keys. Records, requests and idempotency entries hold prompts,
 * results and job ids: they are sealed with the {@link ClusterSeal} (encrypted and authenticated, bound to
 * their map and key, with a cluster secret); a value that fails the check reads as absent. Owner entries stay
 * plain node ids: adoption compares them atomically, and a forged one can only make a node try to adopt.
 * Requests (with their input images) are sealed and opened on worker threads; records are small.
 */
public final class JobStore {

  private final Vertx vertx;
  private final long ttlMs;
  private final ClusterSeal seal;

  public JobStore(Vertx vertx, long ttlMs, ClusterSeal seal) {
    this.vertx = vertx;
    this.ttlMs = ttlMs;
    this.seal = seal;
  }

  public long ttlMs() {
    return ttlMs;
  }

  /** The record of {@code jobId}, or null (unknown or expired). */
  public Future<JobRecord> record(String jobId) {
    return map(Addresses.JOBS_MAP).compose(m -> m.get(jobId)).map(stored -> opened(jobId, stored));
  }

  /** Writes the record; its TTL counts from its creation, so updates do not extend it. */
  public Future<Void> put(JobRecord record) {
    long left = Math.max(1000, record.createdAt() + ttlMs - System.currentTimeMillis());
    Buffer value = seal.seal(Addresses.JOBS_MAP, record.id(), record.json().toBuffer().getBytes());
    return map(Addresses.JOBS_MAP).compose(m -> m.put(record.id(), value, left));
  }

  public Future<Void> remove(String jobId) {
    return Future.all(
        map(Addresses.JOBS_MAP).compose(m -> m.remove(jobId)),
        map(Addresses.JOB_REQUESTS_MAP).compose(m -> m.remove(jobId)),
        stringMap(Addresses.JOB_OWNERS_MAP).compose(m -> m.remove(jobId))).mapEmpty();
  }

  /** Every record (a list of jobs filters them): the map is bounded in cluster.xml. */
  public Future<List<JobRecord>> records() {
    return map(Addresses.JOBS_MAP).compose(AsyncMap::entries)
        .map(entries -> entries.entrySet().stream().map(e -> opened(e.getKey(), e.getValue()))
            .filter(r -> r != null).toList());
  }

  /** Keeps the job's request (prompt and input images) while it is unfinished, for an adopter to send again. */
  public Future<Void> putRequest(Job job) {
    return vertx.executeBlocking(() -> {
      Buffer value = Buffer.buffer();
      new RecordCodec<>(Job.class).encodeToWire(value, job);
      return seal.seal(Addresses.JOB_REQUESTS_MAP, job.id(), value.getBytes());
    }, false).compose(sealed -> map(Addresses.JOB_REQUESTS_MAP).compose(m -> m.put(job.id(), sealed, ttlMs)));
  }

  public Future<Job> request(String jobId) {
    return map(Addresses.JOB_REQUESTS_MAP).compose(m -> m.get(jobId))
        .compose(stored -> stored == null ? Future.succeededFuture(null) : vertx.executeBlocking(() ->
            seal.open(Addresses.JOB_REQUESTS_MAP, jobId, stored)
                .map(bytes -> new RecordCodec<>(Job.class).decodeFromWire(0, Buffer.buffer(bytes))).orElse(null), false));
  }

  public Future<Void> removeRequest(String jobId) {
    return map(Addresses.JOB_REQUESTS_MAP).compose(m -> m.remove(jobId)).mapEmpty();
  }

  /** {@code nodeId} owns the job from now on (it created it). */
  public Future<Void> own(String jobId, String nodeId) {
    return stringMap(Addresses.JOB_OWNERS_MAP).compose(m -> m.put(jobId, nodeId, ttlMs));
  }

  /** The node that owns the job, or null when nobody needs to (finished, webhook delivered). */
  public Future<String> owner(String jobId) {
    return stringMap(Addresses.JOB_OWNERS_MAP).compose(m -> m.get(jobId));
  }

  public Future<Map<String, String>> owners() {
    return stringMap(Addresses.JOB_OWNERS_MAP).compose(AsyncMap::entries);
  }

  /** Compare-and-set: true for exactly one of the nodes that try to take the job from {@code from}. */
  public Future<Boolean> takeOver(String jobId, String from, String to) {
    return stringMap(Addresses.JOB_OWNERS_MAP).compose(m -> m.replaceIfPresent(jobId, from, to));
  }

  /** Nobody needs to own the job any more. */
  public Future<Void> release(String jobId, String nodeId) {
    return stringMap(Addresses.JOB_OWNERS_MAP).compose(m -> m.removeIfPresent(jobId, nodeId)).mapEmpty();
  }

  /**
   * Claims {@code caller:key} for {@code jobId}; the future holds the claim that won: {@code jobId}'s own, or
   * the earlier one ({@link IdempotencyClaim#jobId()} another job).
   */
  public Future<IdempotencyClaim> claim(String caller, String key, String jobId, String bodyHash) {
    String mapKey = caller + ":" + key;
    String value = jobId + " " + bodyHash;
    Buffer sealed = seal.seal(Addresses.JOB_IDEMPOTENCY_MAP, mapKey, value.getBytes(StandardCharsets.UTF_8));
    return map(Addresses.JOB_IDEMPOTENCY_MAP).compose(m -> m.putIfAbsent(mapKey, sealed, ttlMs))
        .map(previous -> previous == null ? IdempotencyClaim.parse(value) : claim(mapKey, previous));
  }

  /** The job an idempotency key names, or null. */
  public Future<IdempotencyClaim> claimed(String caller, String key) {
    String mapKey = caller + ":" + key;
    return map(Addresses.JOB_IDEMPOTENCY_MAP).compose(m -> m.get(mapKey))
        .map(stored -> stored == null ? null : claim(mapKey, stored));
  }

  /** What an Idempotency-Key stands for: a job, and the hash of the body that made it. */
  public record IdempotencyClaim(String jobId, String bodyHash) {
    static IdempotencyClaim parse(String value) {
      int space = value.indexOf(' ');
      return new IdempotencyClaim(value.substring(0, space), value.substring(space + 1));
    }
  }

  /** A record as stored, or null when it fails the seal check (counted and logged by the seal). */
  private JobRecord opened(String jobId, Object stored) {
    return stored == null ? null
        : seal.open(Addresses.JOBS_MAP, jobId, stored).map(bytes -> new JobRecord(Buffer.buffer(bytes))).orElse(null);
  }

  /**
   * An idempotency entry as stored; one that fails the check names no job (a random id nobody has), so the
   * request is refused rather than given a forged job.
   */
  private IdempotencyClaim claim(String mapKey, Object stored) {
    return seal.open(Addresses.JOB_IDEMPOTENCY_MAP, mapKey, stored)
        .map(bytes -> IdempotencyClaim.parse(new String(bytes, StandardCharsets.UTF_8)))
        .orElse(new IdempotencyClaim("unreadable", "unreadable"));
  }

  private Future<AsyncMap<String, Object>> map(String name) {
    return vertx.sharedData().getAsyncMap(name);
  }

  private Future<AsyncMap<String, String>> stringMap(String name) {
    return vertx.sharedData().getAsyncMap(name);
  }
}

package io.genbus.protocol;

import java.util.List;

/**
 * Every event-bus address and cluster-wide map name genbus uses, in one place.
 * See docs/protocol.md for who listens where.
 */
public final class Addresses {

  /** Cluster-wide map: worker id → {@link WorkerInfo}, entries kept alive by a TTL the worker refreshes. */
  public static final String WORKERS_MAP = "genbus.workers";

  /** Cluster-wide map: image file name ({@code <id>.<ext>}) → bytes, for the {@code url} output mode; entries have a TTL. */
  public static final String IMAGES_MAP = "genbus.images";

  /**
   * Cluster-wide map: job id → the job's record (durable jobs: asynchronous, or with an Idempotency-Key), as
   * JSON; bounded in cluster.xml, entries expire after {@code api.jobs.ttlSeconds}.
   */
  public static final String JOBS_MAP = "genbus.jobs";

  /** Cluster-wide map: job id → the API node that owns it, while it needs an owner (unfinished, or a webhook to deliver). */
  public static final String JOB_OWNERS_MAP = "genbus.jobs.owners";

  /** Cluster-wide map: job id → the {@link Job} message (prompt and input images) of an unfinished durable job. */
  public static final String JOB_REQUESTS_MAP = "genbus.jobs.requests";

  /** Cluster-wide map: {@code <caller id>:<Idempotency-Key>} → {@code <job id> <body hash>}. */
  public static final String JOB_IDEMPOTENCY_MAP = "genbus.jobs.idempotency";

  /**
   * Cluster-wide map: a tenant's limit window ({@code rpm|<tenant>|<minute>}, {@code images|<tenant>|<day>}) →
   * units taken, changed only by {@link io.genbus.cluster.WindowLease}; entries expire after their window.
   */
  public static final String LIMITS_MAP = "genbus.limits";

  /** Cluster-wide map: tenant → its jobs in flight per API node, changed only by {@link io.genbus.cluster.InFlightCount}. */
  public static final String IN_FLIGHT_MAP = "genbus.limits.inflight";

  /** Published by an API node when it changed runtime tenants or keys: every API node reloads them. */
  public static final String TENANTS_CHANGED = "genbus.tenants.changed";

  /**
   * Cluster-wide map: {@code <UTC hour>|<tenant>|<model>} → {@code long[4]} counters {requests, jobs, images,
   * failed} of the jobs that ended in that hour (the hour as 10-digit hours since the epoch, so that keys sort by
   * time). API nodes add their counts once a second with a {@link UsageDelta}; entries expire 8 days after their
   * last change. Feeds the status page's usage chart, and {@code /v1/usage} without a database.
   */
  public static final String USAGE_HOURLY_MAP = "genbus.usage.hourly";

  /** Published by a worker whenever it joins or leaves, so API nodes refresh their model list at once. */
  public static final String WORKERS_CHANGED = "genbus.workers.changed";

  /** Published by a worker when a backend becomes full, frees a slot or drains, and with every heartbeat: {@link WorkerLoad}. */
  public static final String WORKERS_LOAD = "genbus.workers.load";

  /**
   * Served by every API node: a request {@code {endpoint, body}} (the bodies of the HTTP endpoints) with the
   * caller's key in the {@link #API_KEY_HEADER} header makes a durable job; the reply is the job object (id,
   * status), or a failure {@code (http status, OpenAI error JSON)}. See docs/protocol.md, "Event-bus integration".
   */
  public static final String JOBS_SUBMIT = "genbus.jobs.submit";

  /**
   * Served by every API node: a request {@code {id, since}} with the caller's key in {@link #API_KEY_HEADER}; the
   * reply is a {@link JobLog}: the job's events after number {@code since}, in order.
   */
  public static final String JOBS_EVENTS = "genbus.jobs.events";

  /** The endpoints a job's request names, as their HTTP paths: its body is that endpoint's. */
  public static final String CHAT_COMPLETIONS = "/v1/chat/completions";
  public static final String IMAGES_GENERATIONS = "/v1/images/generations";
  public static final String IMAGES_EDITS = "/v1/images/edits";

  /**
   * The endpoints whose bodies a durable job's envelope {@code {endpoint, body}} may carry, to {@link #JOBS_SUBMIT}
   * and to {@code POST /v1/jobs} alike.
   */
  public static final List<String> JOB_ENDPOINTS = List.of(CHAT_COMPLETIONS, IMAGES_GENERATIONS, IMAGES_EDITS);

  /** Message header of {@link #JOBS_SUBMIT} and {@link #JOBS_EVENTS}: the caller's API key, as after {@code Bearer}. */
  public static final String API_KEY_HEADER = "genbus-api-key";

  /** Optional message header of {@link #JOBS_SUBMIT}: as HTTP's {@code Idempotency-Key} (a retry finds the same job). */
  public static final String IDEMPOTENCY_KEY_HEADER = "idempotency-key";

  private static final String MODEL_PREFIX = "genbus.model.";

  private Addresses() {
  }

  /**
   * Where jobs for a model are sent to one chosen worker backend: the API node picks a worker with a free
   * slot (see docs/protocol.md, "Dispatch"), so each backend has its own address per model.
   */
  public static String model(String model, String workerId) {
    return MODEL_PREFIX + model + "@" + workerId;
  }

  /** The events address of one API verticle instance: job events stream back here. */
  public static String apiEvents(String nodeId, String instanceId) {
    return "genbus.api." + nodeId + "." + instanceId + ".events";
  }

  /** Control address of one API node: {@link CancelJob} for a durable job it owns (a DELETE that reached another node). */
  public static String apiControl(String nodeId) {
    return "genbus.api." + nodeId + ".control";
  }

  /** Published by a durable job's owner (a {@code Long}: the record's last event number) whenever its record changed. */
  public static String jobChanged(String jobId) {
    return "genbus.job." + jobId + ".changed";
  }

  /** Control address of one worker node: cancel and status requests. */
  public static String workerControl(String nodeId) {
    return "genbus.worker." + nodeId + ".control";
  }
}

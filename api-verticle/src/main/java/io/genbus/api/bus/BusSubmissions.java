package io.genbus.api.bus;

import io.genbus.api.auth.Caller;
import io.genbus.api.auth.KeyAuth;
import io.genbus.api.chat.ChatIntake;
import io.genbus.api.chat.DurableRequests;
import io.genbus.api.durable.JobRecord;
import io.genbus.api.durable.JobRecord.Event;
import io.genbus.api.durable.JobStore;
import io.genbus.api.errors.ApiException;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageStore;
import io.genbus.api.images.ImagesApiHandler;
import io.genbus.api.tenants.TenantAdmission;
import io.genbus.api.tenants.TenantGate;
import io.genbus.config.ApiConfig;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.JobError;
import io.genbus.protocol.JobLog;
import io.genbus.protocol.JobLog.Entry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event-bus face of an API node (docs/protocol.md, "Event-bus integration"): {@link Addresses#JOBS_SUBMIT}
 * makes a durable job of a request as HTTP would — the key checked by {@link KeyAuth}, the body parsed by the same
 * parser, the tenant's limits applied by the same {@link TenantGate}, the job created by the same
 * {@link DurableRequests} — and answers the job at once; {@link Addresses#JOBS_EVENTS} answers a job's events
 * after a number, from its record, to the caller whose job it is (404 to anyone else). Errors are failures
 * {@code (http status, OpenAI error JSON)}.
 */
public final class BusSubmissions {

  private static final Logger LOG = LoggerFactory.getLogger(BusSubmissions.class);
  private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{24}");
  /** Image bytes one {@link JobLog} carries at most (besides its first event): the rest comes on the next ask. */
  static final long MAX_LOG_BYTES = 16L * 1024 * 1024;

  private final Vertx vertx;
  private final ApiConfig config;
  private final KeyAuth auth;
  private final TenantGate gate;
  private final ChatIntake intake;
  private final DurableRequests durable;
  private final JobStore store;
  private final ImageStore images;
  private final ErrorResponses errors;
  private final ImagesApiHandler imagesApi;

  public BusSubmissions(Vertx vertx, ApiConfig config, KeyAuth auth, TenantGate gate, ChatIntake intake,
                        DurableRequests durable, JobStore store, ImageStore images, ErrorResponses errors,
                        ImagesApiHandler imagesApi) {
    this.vertx = vertx;
    this.imagesApi = imagesApi;
    this.config = config;
    this.auth = auth;
    this.gate = gate;
    this.intake = intake;
    this.durable = durable;
    this.store = store;
    this.images = images;
    this.errors = errors;
  }

  /** Serves both addresses on the calling verticle's event loop; completes once the cluster knows. */
  public Future<Void> register(EventBus eventBus) {
    return Future.all(
        eventBus.consumer(Addresses.JOBS_SUBMIT, this::submit).completion(),
        eventBus.consumer(Addresses.JOBS_EVENTS, this::events).completion()).mapEmpty();
  }

  void submit(Message<Object> message) {
    answer(message, Future.succeededFuture(message).compose(m -> {
      Caller caller = auth.caller(m.headers().get(Addresses.API_KEY_HEADER));
      String idempotencyKey = DurableRequests.idempotencyKey(m.headers().get(Addresses.IDEMPOTENCY_KEY_HEADER));
      JsonObject envelope = object(m.body());
      JsonObject body = DurableRequests.envelopeBody(envelope, Addresses.JOB_ENDPOINTS);
      String endpoint = envelope.getString("endpoint");
      // The body as HTTP would have carried it: bounded, hashed and parsed the same way.
      return vertx.executeBlocking(body::toBuffer, false)
          .compose(bytes -> bytes.length() > config.maxBodyBytes()
              ? Future.failedFuture(new ApiException(ErrorCode.REQUEST_TOO_LARGE, null, config.maxBodyBytes()))
              : endpoint.equals(DurableRequests.CHAT_ENDPOINT) ? chat(caller, idempotencyKey, bytes, envelope)
              : imagesApi.durableJob(caller.keyId(), idempotencyKey, endpoint, bytes,
                  request -> gate.admit(caller, request.model(), request.n()))
                  .map(created -> created.record().toApi(null)));
    }));
  }

  private Future<JsonObject> chat(Caller caller, String idempotencyKey, Buffer body, JsonObject envelope) {
    String hash = DurableRequests.hash(DurableRequests.CHAT_ENDPOINT, body);
    return intake.parse(body).map(parsed -> DurableRequests.withEnvelopeWebhook(parsed, envelope))
        .compose(request -> gate.admit(caller, request.model(), 1).compose(admission ->
        durable.job(caller.keyId(), idempotencyKey, hash, admission, durable.chatJob(request, hash, intake::durable))
            .onComplete(ar -> admission.close()) // what it did not hand to its job goes back
            .map(created -> created.record().toApi(null))));
  }

  void events(Message<Object> message) {
    answer(message, Future.succeededFuture(message).compose(m -> {
      Caller caller = auth.caller(m.headers().get(Addresses.API_KEY_HEADER));
      JsonObject ask = object(m.body());
      String id = ask.getValue("id") instanceof String s ? s : null;
      if (id == null || !JOB_ID.matcher(id).matches()) {
        throw new ApiException(ErrorCode.JOB_NOT_FOUND, null, String.valueOf(ask.getValue("id")));
      }
      int since = since(ask.getValue("since"));
      boolean json = json(ask.getValue("format"));
      return store.record(id).compose(record -> record == null || !record.caller().equals(caller.keyId())
          ? Future.failedFuture(new ApiException(ErrorCode.JOB_NOT_FOUND, null, id))
          : log(record, since)).map(log -> json ? (Object) json(log) : log);
    }));
  }

  /**
   * A job log as JSON, for a browser on the bridge (which carries JSON only): the same fields, image bytes in
   * base64 ({@code data}).
   */
  static JsonObject json(JobLog log) {
    JsonArray events = new JsonArray();
    for (Entry e : log.events()) {
      JsonObject event = new JsonObject().put("seq", e.seq()).put("type", e.type());
      if (e.text() != null) {
        event.put("text", e.text());
      }
      if (e.data() != null) {
        event.put("mimeType", e.mimeType()).put("data", Base64.getEncoder().encodeToString(e.data()));
      }
      if (e.error() != null) {
        event.put("error", new JsonObject().put("code", e.error().code()).put("message", e.error().message())
            .put("retryable", e.error().retryable()));
      }
      events.add(event);
    }
    return new JsonObject().put("jobId", log.jobId()).put("status", log.status()).put("events", events)
        .put("more", log.more());
  }

  /** The record's events after {@code since}, images read from the image store, within {@link #MAX_LOG_BYTES}. */
  private Future<JobLog> log(JobRecord record, int since) {
    List<Event> after = record.events().stream().filter(e -> e.seq() > since).toList();
    List<Entry> entries = new ArrayList<>();
    return collect(record, after, entries, 0)
        .map(more -> new JobLog(record.id(), record.status().wire(), entries, more));
  }

  private Future<Boolean> collect(JobRecord record, List<Event> events, List<Entry> into, long bytes) {
    if (into.size() == events.size()) {
      return Future.succeededFuture(false);
    }
    if (bytes >= MAX_LOG_BYTES) {
      return Future.succeededFuture(true);
    }
    return entry(record, events.get(into.size())).compose(entry -> {
      into.add(entry);
      return collect(record, events, into, bytes + (entry.data() == null ? 0 : entry.data().length));
    });
  }

  private Future<Entry> entry(JobRecord record, Event e) {
    if (e.image() != null) {
      return images.get(e.image()).compose(bytes -> bytes == null
          ? Future.failedFuture(new ApiException(ErrorCode.IMAGE_NOT_FOUND, null, e.image()))
          : Future.succeededFuture(new Entry(e.seq(), Entry.IMAGE, null, e.mimeType(), bytes.getBytes(), null)));
    }
    if (!e.end()) {
      return Future.succeededFuture(new Entry(e.seq(), Entry.TEXT, e.text(), null, null, null));
    }
    if (record.status() == JobRecord.Status.SUCCEEDED) {
      return Future.succeededFuture(new Entry(e.seq(), Entry.DONE, null, null, null, null));
    }
    JsonObject error = record.error();
    ErrorCode code = ErrorCode.fromCode(error.getString("code"));
    return Future.succeededFuture(new Entry(e.seq(), Entry.ERROR, null, null, null,
        new JobError(error.getString("code"), error.getString("message"), code.retryable())));
  }

  private void answer(Message<Object> message, Future<?> result) {
    result.onSuccess(message::reply).onFailure(err -> fail(message, err));
  }

  /** An error as HTTP would answer it: its status, and OpenAI's error object (with {@code retry_after} seconds). */
  private void fail(Message<Object> message, Throwable err) {
    ApiException e = err instanceof ApiException api ? api : null;
    if (e == null) {
      LOG.warn("event-bus request to {} failed: {}", message.address(), err.toString());
      e = new ApiException(ErrorCode.INTERNAL_ERROR, null, err.getClass().getSimpleName());
    }
    JsonObject body = errors.body(e);
    if (e.retryAfterSeconds() > 0) {
      body.put("retry_after", e.retryAfterSeconds());
    }
    message.fail(e.code().status(), body.encode());
  }

  private static JsonObject object(Object body) {
    if (body instanceof JsonObject json) {
      return json;
    }
    throw new ApiException(ErrorCode.INVALID_JSON, null, "expected a JSON object");
  }

  /** {@code format}: absent or {@code "log"} — a {@link JobLog}; {@code "json"} — JSON (see {@link #json(JobLog)}). */
  private static boolean json(Object format) {
    if (format == null || "log".equals(format)) {
      return false;
    }
    if ("json".equals(format)) {
      return true;
    }
    throw new ApiException(ErrorCode.INVALID_VALUE, "format", "format", "log (default) or json");
  }

  private static int since(Object value) {
    if (value == null) {
      return 0;
    }
    if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.longValue() >= 0
        && n.longValue() <= Integer.MAX_VALUE) {
      return n.intValue();
    }
    throw new ApiException(ErrorCode.INVALID_VALUE, "since", "since", "an event number, 0 or more");
  }
}

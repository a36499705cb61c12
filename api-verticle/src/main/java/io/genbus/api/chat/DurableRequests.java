package io.genbus.api.chat;

import io.genbus.api.jobs.JobIds;
import io.genbus.api.auth.Caller;
import io.genbus.api.tenants.TenantAdmission;
import io.genbus.api.chat.ChatIntake.NewJobParts;
import io.genbus.api.durable.DurableJobs;
import io.genbus.api.durable.DurableJobs.Created;
import io.genbus.api.durable.DurableJobs.NewJob;
import io.genbus.api.durable.JobRecord;
import io.genbus.api.errors.ApiException;
import io.genbus.api.observability.RequestIds;
import io.genbus.api.webhooks.WebhookSender;
import io.genbus.config.ApiConfig;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Requests that make durable jobs ({@code Prefer: respond-async}, {@code Idempotency-Key}, and
 * {@code POST /v1/jobs}): finds the job an idempotency key already made, or creates one ({@link #job}, for chat
 * and the Images API alike); then, for chat, answers 202 with the job, or follows the job's record like the
 * synchronous answer it stands for (so a retry re-attaches).
 */
public final class DurableRequests {

  public static final String CHAT_ENDPOINT = Addresses.CHAT_COMPLETIONS;
  private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");

  private final ApiConfig config;
  private final DurableJobs jobs;
  private final ChatJobView view;
  private final WebhookSender webhooks;

  public DurableRequests(ApiConfig config, DurableJobs jobs, ChatJobView view, WebhookSender webhooks) {
    this.config = config;
    this.jobs = jobs;
    this.view = view;
    this.webhooks = webhooks;
  }

  /** RFC 7240: {@code Prefer: respond-async} (among other preferences). */
  public static boolean prefersAsync(RoutingContext ctx) {
    for (String prefer : ctx.request().headers().getAll("Prefer")) {
      for (String token : prefer.split("[,;]")) {
        if (token.trim().toLowerCase(Locale.ROOT).equals("respond-async")) {
          return true;
        }
      }
    }
    return false;
  }

  /** The request's {@code Idempotency-Key}, or null; 1–255 visible ASCII characters. */
  public static String idempotencyKey(RoutingContext ctx) {
    return idempotencyKey(ctx.request().getHeader("Idempotency-Key"));
  }

  /** An {@code Idempotency-Key} as given (null: none), checked: 1–255 visible ASCII characters. */
  public static String idempotencyKey(String key) {
    if (key == null) {
      return null;
    }
    if (!KEY.matcher(key).matches()) {
      throw new ApiException(ErrorCode.INVALID_VALUE, "Idempotency-Key", "Idempotency-Key",
          "1 to 255 visible ASCII characters");
    }
    return key;
  }

  /**
   * The request of an envelope {@code {"endpoint": …, "body": {…}, "webhook": {"url"}}} ({@code POST /v1/jobs},
   * and the event bus's submit address), checked: an endpoint of {@code endpoints}, a body, a webhook URL.
   */
  public static JsonObject envelopeBody(JsonObject envelope, List<String> endpoints) {
    Object endpoint = envelope.getValue("endpoint");
    if (endpoint == null) {
      throw new ApiException(ErrorCode.MISSING_PARAMETER, "endpoint", "endpoint");
    }
    if (!endpoints.contains(endpoint)) {
      throw new ApiException(ErrorCode.INVALID_VALUE, "endpoint", "endpoint", "one of: " + String.join(", ", endpoints));
    }
    if (!(envelope.getValue("body") instanceof JsonObject body)) {
      throw new ApiException(ErrorCode.INVALID_TYPE, "body", "body", "an object (the request of the endpoint)");
    }
    ChatRequestParser.webhook(envelope, "webhook"); // checked now, before any work
    return body;
  }

  /** The request, with the envelope's {@code webhook} when it has one. */
  public static ChatRequest withEnvelopeWebhook(ChatRequest parsed, JsonObject envelope) {
    String webhook = ChatRequestParser.webhook(envelope, "webhook");
    return webhook == null ? parsed
        : new ChatRequest(parsed.model(), parsed.prompt(), parsed.stream(), parsed.seed(), parsed.images(), webhook);
  }

  /** {@code Last-Event-ID} as a number, or null when absent or not one. */
  public static Long lastEventId(RoutingContext ctx) {
    String id = ctx.request().getHeader("Last-Event-ID");
    try {
      return id == null ? null : Long.parseLong(id.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** What an idempotency key is compared on: the endpoint and the body. */
  public static String hash(String endpoint, Buffer body) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(endpoint.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) '\n');
      sha.update(body == null ? new byte[0] : body.getBytes());
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Where this API is reached from outside: {@code api.publicBaseUrl}, else the request's Host. */
  public static String baseUrl(RoutingContext ctx, ApiConfig config) {
    return config.publicBaseUrl() != null ? config.publicBaseUrl() : "http://" + ctx.request().authority();
  }

  /**
   * The durable job of a chat request: the one its Idempotency-Key made (the same body, else 409), or a new one
   * ({@code prepare} admits the request and converts its images first). Then answers.
   */
  public Future<Void> chat(RoutingContext ctx, ChatRequest request, String bodyHash, boolean async,
                           TenantAdmission admission, Function<ChatRequest, Future<NewJobParts>> prepare) {
    return job(ctx, bodyHash, admission, chatJob(request, bodyHash, prepare))
        .map(created -> {
          answer(ctx, created, async, request.stream());
          return null;
        });
  }

  /** Makes a new durable job for a caller (its key id) and its Idempotency-Key (or null). */
  @FunctionalInterface
  public interface JobMaker {
    Future<NewJob> make(String caller, String idempotencyKey);
  }

  /**
   * The maker of a chat request's durable job (HTTP or the event bus): its webhook checked, then
   * {@code prepare} admits the request and converts its images.
   */
  public JobMaker chatJob(ChatRequest request, String bodyHash, Function<ChatRequest, Future<NewJobParts>> prepare) {
    return (caller, key) -> webhookUrl(request.webhook())
        .compose(url -> prepare.apply(request)
            .map(parts -> new NewJob(JobIds.next(), JobRecord.CHAT, CHAT_ENDPOINT, caller, request.model(),
                request.prompt(), request.seed(), parts.images(), url, key, bodyHash, null, null)));
  }

  /**
   * The durable job of any generating request: the one its Idempotency-Key already made for this caller (the
   * same body, else 409 {@code idempotency_key_reused}), or the one {@code maker} makes, created with the
   * request's share of its tenant's limits. The request's log and headers name the job.
   */
  public Future<Created> job(RoutingContext ctx, String bodyHash, TenantAdmission admission, JobMaker maker) {
    String key;
    try {
      key = idempotencyKey(ctx);
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    return job(Caller.of(ctx).keyId(), key, bodyHash, admission, maker)
        .onSuccess(created -> {
          ctx.put(RequestIds.JOB_ID, created.record().id());
          if (!created.fresh()) {
            ctx.response().putHeader("Idempotent-Replayed", "true");
          }
        });
  }

  /** The same for a caller however it came (HTTP or the event bus), with its idempotency key (null: none). */
  public Future<Created> job(String caller, String key, String bodyHash, TenantAdmission admission, JobMaker maker) {
    Future<JobRecord> earlier = key == null ? Future.succeededFuture() : jobs.store().claimed(caller, key)
        .compose(claim -> {
          if (claim == null) {
            return Future.succeededFuture();
          }
          if (!claim.bodyHash().equals(bodyHash)) {
            return Future.failedFuture(new ApiException(ErrorCode.IDEMPOTENCY_KEY_REUSED, "Idempotency-Key"));
          }
          // the caller's own job only (the key is per caller; a forged entry must not hand out another's)
          return jobs.store().record(claim.jobId()).map(r -> r != null && r.caller().equals(caller) ? r : null);
        });
    return earlier
        .compose(found -> found != null ? Future.succeededFuture(new Created(found, false))
            : maker.make(caller, key).compose(n -> create(admission, n)));
  }

  /** Creates the job, handing each of its jobs on the bus the request's share of its tenant's limits. */
  private Future<Created> create(TenantAdmission admission, NewJob n) {
    NewJob job = n.withOrigin(admission.origin(n.caller(), n.endpoint(), n.id()));
    n.jobIds().forEach(admission::handOver);
    return jobs.create(job).onComplete(ar -> {
      if (ar.failed() || !ar.result().fresh()) { // not queued, or an earlier job of the same Idempotency-Key
        n.jobIds().forEach(admission::takeBack);
      }
    });
  }

  private void answer(RoutingContext ctx, Created created, boolean async, boolean stream) {
    JobRecord record = created.record();
    if (async) {
      accepted(ctx, record);
    } else if (stream) {
      view.stream(ctx.response(), record, lastEventId(ctx), baseUrl(ctx, config));
    } else {
      view.answer(ctx.response(), record, baseUrl(ctx, config));
    }
  }

  /** The answer to {@code Prefer: respond-async}: 202, {@code Location: /v1/jobs/{id}} and the job object. */
  public static void accepted(RoutingContext ctx, JobRecord record) {
    ctx.response().setStatusCode(202)
        .putHeader("Location", "/v1/jobs/" + record.id())
        .putHeader("Preference-Applied", "respond-async")
        .putHeader("Content-Type", "application/json")
        .end(record.toApi(null).toBuffer());
  }

  /**
   * The request's own webhook (checked now: an address genbus may not call is refused before the job is
   * made), or the node's default, or null.
   */
  public Future<String> webhookUrl(String requested) {
    if (requested == null) {
      return Future.succeededFuture(config.webhooks().url());
    }
    if (!webhooks.enabled()) {
      return Future.failedFuture(new ApiException(ErrorCode.WEBHOOK_URL_REFUSED, "webhook.url",
          "this node has no api.webhooks.secret to sign webhooks with"));
    }
    return webhooks.check(requested)
        .recover(err -> Future.failedFuture(new ApiException(ErrorCode.WEBHOOK_URL_REFUSED, "webhook.url", err.getMessage())))
        .map(v -> requested);
  }
}

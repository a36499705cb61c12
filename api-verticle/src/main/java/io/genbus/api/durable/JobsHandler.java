package io.genbus.api.durable;

import io.genbus.api.auth.Caller;
import io.genbus.api.chat.ChatCompletionsHandler;
import io.genbus.api.chat.ChatJobView;
import io.genbus.api.chat.ChatRequest;
import io.genbus.api.chat.ChatRequestParser;
import io.genbus.api.chat.DurableRequests;
import io.genbus.api.errors.ApiException;
import io.genbus.api.images.ImageRequest;
import io.genbus.api.images.ImageRequestParser;
import io.genbus.api.images.ImagesApiHandler;
import io.genbus.api.images.ImagesJobView;
import io.genbus.api.tenants.TenantGate;
import io.genbus.config.ApiConfig;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The job API, on any API node: {@code POST /v1/jobs} (an asynchronous chat or Images API request in an envelope),
 * {@code GET /v1/jobs/{id}} (the job, with its result once it succeeded, in the original endpoint's shape),
 * {@code GET /v1/jobs/{id}/events} (SSE: replay, then live), {@code DELETE /v1/jobs/{id}} and
 * {@code GET /v1/jobs} (the caller's jobs, OpenAI's list shape). A job of another caller is 404, as is an
 * unknown one.
 */
public final class JobsHandler {

  private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{24}");
  static final int MAX_LIMIT = 100;

  private final ApiConfig config;
  private final DurableJobs jobs;
  private final DurableRequests requests;
  private final ChatCompletionsHandler chat;
  private final ChatJobView view;
  private final ImagesApiHandler images;
  private final ImagesJobView imagesView;
  private final TenantGate gate;

  public JobsHandler(ApiConfig config, DurableJobs jobs, DurableRequests requests, ChatCompletionsHandler chat,
                     ChatJobView view, ImagesApiHandler images, ImagesJobView imagesView, TenantGate gate) {
    this.config = config;
    this.gate = gate;
    this.jobs = jobs;
    this.requests = requests;
    this.chat = chat;
    this.view = view;
    this.images = images;
    this.imagesView = imagesView;
  }

  /**
   * {@code POST /v1/jobs} with {@code {"endpoint": "/v1/chat/completions" | "/v1/images/generations" |
   * "/v1/images/edits", "body": {…}, "webhook": {"url"}}}; an edit's images as data URLs (the JSON form).
   */
  public void create(RoutingContext ctx) {
    try {
      JsonObject envelope = envelope(ctx.body().buffer());
      JsonObject body = DurableRequests.envelopeBody(envelope, Addresses.JOB_ENDPOINTS);
      String endpoint = envelope.getString("endpoint");
      String webhook = ChatRequestParser.webhook(envelope, "webhook");
      String hash = DurableRequests.hash(endpoint, body.toBuffer());
      if (!DurableRequests.CHAT_ENDPOINT.equals(endpoint)) {
        ImageRequest parsed = ImageRequestParser.json(body, ImagesApiHandler.EDITS.equals(endpoint),
            config.images().maxCount(), config.maxPromptChars());
        ImageRequest request = webhook == null ? parsed : new ImageRequest(parsed.edit(), parsed.model(),
            parsed.prompt(), parsed.n(), parsed.options(), parsed.responseFormat(), parsed.stream(), parsed.images(),
            parsed.mask(), webhook);
        gate.admit(ctx, request.model(), request.n())
            .compose(admission -> images.durable(ctx, request, hash, true, admission))
            .onFailure(ctx::fail);
        return;
      }
      ChatRequest request = DurableRequests.withEnvelopeWebhook(
          ChatRequestParser.parse(body, config.images().maxCount(), config.maxPromptChars()), envelope);
      gate.admit(ctx, request.model(), 1)
          .compose(admission -> requests.chat(ctx, request, hash, true, admission, chat::newDurable))
          .onFailure(ctx::fail);
    } catch (ApiException e) {
      ctx.fail(e);
    }
  }

  public void get(RoutingContext ctx) {
    String baseUrl = DurableRequests.baseUrl(ctx, config);
    load(ctx)
        .compose(record -> record.status() != JobRecord.Status.SUCCEEDED ? Future.succeededFuture(record.toApi(null))
            : (record.hasParts() ? imagesView.result(record, baseUrl) : view.completion(record, baseUrl))
                .map(record::toApi))
        .onSuccess(job -> json(ctx, job))
        .onFailure(ctx::fail);
  }

  public void events(RoutingContext ctx) {
    load(ctx)
        .onSuccess(record -> {
          if (record.hasParts()) {
            imagesView.stream(ctx.response(), record, DurableRequests.lastEventId(ctx), true);
          } else {
            view.stream(ctx.response(), record, DurableRequests.lastEventId(ctx), DurableRequests.baseUrl(ctx, config));
          }
        })
        .onFailure(ctx::fail);
  }

  /** Cancels a job that has not ended (wherever it is); answers the job as it stands then. */
  public void cancel(RoutingContext ctx) {
    load(ctx)
        .compose(record -> record.status().terminal() ? Future.succeededFuture(record)
            : jobs.cancel(record.id()).compose(v -> jobs.store().record(record.id())))
        .onSuccess(record -> json(ctx, record.toApi(null)))
        .onFailure(ctx::fail);
  }

  /** {@code GET /v1/jobs?status=&limit=&after=}: the caller's jobs, newest first. */
  public void list(RoutingContext ctx) {
    String caller = Caller.of(ctx).keyId();
    JobRecord.Status status;
    int limit;
    try {
      status = status(ctx.queryParams().get("status"));
      limit = limit(ctx.queryParams().get("limit"));
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    String after = ctx.queryParams().get("after");
    jobs.store().records()
        .onSuccess(all -> {
          List<JobRecord> mine = all.stream()
              .filter(r -> r.caller().equals(caller) && (status == null || r.status() == status))
              .sorted(Comparator.comparingLong(JobRecord::createdAt).reversed().thenComparing(JobRecord::id))
              .toList();
          int from = 0;
          if (after != null) {
            for (int i = 0; i < mine.size(); i++) {
              if (mine.get(i).id().equals(after)) {
                from = i + 1;
                break;
              }
            }
          }
          List<JobRecord> page = mine.subList(Math.min(from, mine.size()), Math.min(from + limit, mine.size()));
          JsonArray data = new JsonArray();
          page.forEach(r -> data.add(r.toApi(null)));
          json(ctx, new JsonObject()
              .put("object", "list")
              .put("data", data)
              .put("first_id", page.isEmpty() ? (String) null : page.get(0).id())
              .put("last_id", page.isEmpty() ? (String) null : page.get(page.size() - 1).id())
              .put("has_more", from + limit < mine.size()));
        })
        .onFailure(ctx::fail);
  }

  /** The caller's job named in the path; 404 for an unknown one and for another caller's. */
  private Future<JobRecord> load(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!JOB_ID.matcher(id).matches()) {
      return Future.failedFuture(new ApiException(ErrorCode.JOB_NOT_FOUND, null, id));
    }
    String caller = Caller.of(ctx).keyId();
    return jobs.store().record(id).compose(record -> record == null || !record.caller().equals(caller)
        ? Future.failedFuture(new ApiException(ErrorCode.JOB_NOT_FOUND, null, id))
        : Future.succeededFuture(record));
  }

  private static JsonObject envelope(Buffer body) {
    try {
      Object value = body == null || body.length() == 0 ? null : Json.decodeValue(body);
      if (value instanceof JsonObject json) {
        return json;
      }
    } catch (DecodeException e) {
      throw new ApiException(ErrorCode.INVALID_JSON, null, e.getMessage().lines().findFirst().orElse(""));
    }
    throw new ApiException(ErrorCode.INVALID_JSON, null, "expected a JSON object");
  }

  private static JobRecord.Status status(String value) {
    if (value == null) {
      return null;
    }
    for (JobRecord.Status s : JobRecord.Status.values()) {
      if (s.wire().equals(value.toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    throw new ApiException(ErrorCode.INVALID_VALUE, "status", "status",
        "one of queued, running, succeeded, failed, cancelled");
  }

  private static int limit(String value) {
    if (value == null) {
      return 20;
    }
    try {
      int limit = Integer.parseInt(value);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new ApiException(ErrorCode.INVALID_VALUE, "limit", "limit", "an integer from 1 to " + MAX_LIMIT);
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", "application/json").end(body.toBuffer());
  }
}

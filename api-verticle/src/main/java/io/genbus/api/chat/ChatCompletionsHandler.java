package io.genbus.api.chat;

import io.genbus.api.auth.Caller;
import io.genbus.api.errors.ApiException;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageOutput;
import io.genbus.api.images.InputImageConverter;
import io.genbus.api.jobs.JobIds;
import io.genbus.api.jobs.Scheduler;
import io.genbus.api.limits.ConversionGate;
import io.genbus.api.limits.NodeLimits;
import io.genbus.api.limits.RequestTicket;
import io.genbus.api.observability.RequestIds;
import io.genbus.api.tenants.TenantAdmission;
import io.genbus.api.tenants.TenantGate;
import io.genbus.config.ApiConfig;
import io.genbus.protocol.InputImage;
import io.genbus.protocol.Job;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code POST /v1/chat/completions}: validates the request, checks that a live worker serves the model and
 * that a non-streaming request may wait, converts the input images, queues the job, and answers as one
 * JSON completion or as an SSE stream. Image work, and parsing all but small bodies, run on worker threads,
 * never on the event loop.
 *
 * <p>Every request is counted against the node's {@link NodeLimits} from before its body is read
 * ({@link RequestTicket}) until its response ends, holding first twice its body (the bytes and the parsed text),
 * then its body, prompt and converted images; its images wait for a {@link ConversionGate} slot.
 * <p>A request with {@code Prefer: respond-async} or an {@code Idempotency-Key} makes a durable job
 * ({@link DurableJobs}): answered at once with 202 and the job, or followed from its record — so a retry with
 * the same key re-attaches to it, and a client that disconnects does not cancel it. Other requests are
 * followed in memory only, as the fast path (their jobs are not recorded).
 */
public final class ChatCompletionsHandler implements Handler<RoutingContext> {

  private final Vertx vertx;
  private final ApiConfig config;
  private final Scheduler scheduler;
  private final ErrorResponses errors;
  private final InputImageConverter converter;
  private final ImageOutput imageOutput;
  private final NodeLimits limits;
  private final ConversionGate conversions;
  private final DurableRequests durable;
  private final TenantGate gate;
  private final ChatIntake intake;

  public ChatCompletionsHandler(Vertx vertx, ApiConfig config, Scheduler scheduler, ErrorResponses errors,
                                ImageOutput imageOutput, InputImageConverter converter, NodeLimits limits,
                                ConversionGate conversions, DurableRequests durable, TenantGate gate) {
    this.vertx = vertx;
    this.gate = gate;
    this.config = config;
    this.scheduler = scheduler;
    this.errors = errors;
    this.converter = converter;
    this.imageOutput = imageOutput;
    this.limits = limits;
    this.conversions = conversions;
    this.durable = durable;
    this.intake = new ChatIntake(vertx, config, scheduler, converter, conversions);
  }

  @Override
  public void handle(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    boolean async = DurableRequests.prefersAsync(ctx);
    String idempotencyKey;
    try {
      idempotencyKey = DurableRequests.idempotencyKey(ctx);
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    intake.parse(body)
        .compose(request -> gate.admit(ctx, request.model(), 1).compose(admission -> async || idempotencyKey != null
            ? durable.chat(ctx, request, DurableRequests.hash(DurableRequests.CHAT_ENDPOINT, body), async, admission,
                this::newDurable)
            : admit(ctx, request, admission)))
        .onFailure(ctx::fail);
  }

  /** Admits a durable chat job's request and converts its images (see {@link ChatIntake#durable}). */
  public Future<ChatIntake.NewJobParts> newDurable(ChatRequest request) {
    return intake.durable(request);
  }

  /**
   * Streams are never refused for a full queue: they wait as long as it takes, with keep-alives. A request
   * with images is admitted before its images are converted (no work for a refused request); one without
   * is admitted and queued in one hop to the scheduler.
   */
  private Future<Void> admit(RoutingContext ctx, ChatRequest request, TenantAdmission admission) {
    NodeLimits.Ticket ticket = RequestTicket.of(ctx);
    if (request.stream()) {
      ticket.stream(); // or 429 node_busy
    }
    if (request.images().isEmpty()) {
      ticket.hold(heldBody(ctx) + 2L * request.prompt().length());
      return start(ctx, request, List.of(), admission);
    }
    return scheduler.admit(request.model(), !request.stream())
        .compose(v -> conversions.run(() -> !ctx.response().closed(),
            () -> vertx.executeBlocking(() -> converter.convert(request.images()), false)))
        .compose(images -> {
          // From now on it holds its body (the router keeps it), its prompt and its converted images.
          ticket.hold(heldBody(ctx) + 2L * request.prompt().length()
              + images.stream().mapToLong(i -> i.data().length).sum());
          return start(ctx, request, images, admission);
        });
  }

  private static long heldBody(RoutingContext ctx) {
    return ctx.body().buffer() == null ? 0 : ctx.body().buffer().length();
  }

  private Future<Void> start(RoutingContext ctx, ChatRequest request, List<InputImage> images,
                             TenantAdmission admission) {
    HttpServerResponse response = ctx.response();
    if (response.closed()) {
      return Future.succeededFuture(); // the client left while its images were converted
    }
    String jobId = JobIds.next();
    ctx.put(RequestIds.JOB_ID, jobId);
    long now = System.currentTimeMillis();
    Job job = new Job(jobId, request.model(), request.prompt(), request.seed(), scheduler.eventsAddress(), now, images)
        .withOrigin(admission.origin(Caller.of(ctx).keyId(), DurableRequests.CHAT_ENDPOINT, jobId));
    admission.handOver(jobId);
    ChatChunks chunks = new ChatChunks("chatcmpl-" + jobId, now / 1000, request.model());
    String baseUrl = DurableRequests.baseUrl(ctx, config);
    Runnable cancel = () -> scheduler.cancel(jobId, "client disconnected");
    response.closeHandler(v -> cancel.run());
    if (!request.stream()) {
      CompletionCollector collector = new CompletionCollector(response, chunks, errors);
      return scheduler.submit(job, true, new ContentRenderer(collector, imageOutput, baseUrl, config.errorLanguage()))
          .onFailure(err -> admission.takeBack(jobId));
    }
    SseStream stream = new SseStream(vertx, response, chunks, config.keepAliveSeconds() * 1000L,
        config.keepAliveMode(), errors, () -> scheduler.position(jobId), config.stream().maxChunkBytes());
    // Opened once admitted (a refusal is still a plain HTTP error), before any of the job's events arrive.
    return scheduler.submit(job, false, new ContentRenderer(stream, imageOutput, baseUrl, config.errorLanguage()))
        .onFailure(err -> admission.takeBack(jobId))
        .onSuccess(v -> {
          if (!response.closed()) { // else the close already cancelled the job: no stream, no timer
            stream.open(cancel);
            stream.keepAliveIfQueued();
          }
        });
  }
}

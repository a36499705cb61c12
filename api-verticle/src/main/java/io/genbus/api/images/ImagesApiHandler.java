package io.genbus.api.images;

import io.genbus.api.auth.Caller;
import io.genbus.api.errors.ApiException;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.images.ImageRequest.ImageSource;
import io.genbus.api.jobs.JobIds;
import io.genbus.api.jobs.Scheduler;
import io.genbus.api.jobs.WorkerBackend;
import io.genbus.api.limits.ConversionGate;
import io.genbus.api.limits.NodeLimits;
import io.genbus.api.limits.RequestTicket;
import io.genbus.api.observability.RequestIds;
import io.genbus.api.tenants.TenantAdmission;
import io.genbus.api.tenants.TenantGate;
import io.genbus.config.ApiConfig;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.InputImage;
import io.genbus.protocol.Job;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * The Images API: {@code POST /v1/images/generations} (JSON) and {@code POST /v1/images/edits} (multipart as
 * the official SDKs send it, or JSON with data URLs). A request is checked, refused before queueing if no
 * live worker of the model can serve its parameters, its input images converted on worker threads, and its
 * {@code n} images made as {@code n} jobs that run in parallel on free slots; the answer is one JSON object
 * or, with {@code stream: true}, OpenAI's image events.
 */
public final class ImagesApiHandler {

  private final Vertx vertx;
  private final ApiConfig config;
  private final Scheduler scheduler;
  private final ErrorResponses errors;
  private final InputImageConverter converter;
  private final ImageOutput output;
  private final ConversionGate conversions;
  private final TenantGate gate;

  public ImagesApiHandler(Vertx vertx, ApiConfig config, Scheduler scheduler, ErrorResponses errors, ImageOutput output,
                          InputImageConverter converter, ConversionGate conversions, TenantGate gate) {
    this.vertx = vertx;
    this.gate = gate;
    this.config = config;
    this.scheduler = scheduler;
    this.errors = errors;
    this.converter = converter;
    this.output = output;
    this.conversions = conversions;
  }

  /** {@code POST /v1/images/generations}; the body was read by a body handler. */
  public void generations(RoutingContext ctx) {
    parseJson(ctx.body().buffer(), false).compose(request -> admit(ctx, request)).onFailure(ctx::fail);
  }

  /** {@code POST /v1/images/edits}, a multipart form, read here in memory (in the routing tick). */
  public void editsMultipart(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    MultipartBody.read(ctx.request(), config.maxBodyBytes())
        .compose(body -> vertx.executeBlocking(() -> {
          MultipartBody.Form form = MultipartBody.parse(contentType, body);
          return ImageRequestParser.form(form.attributes(), form.files(), config.images().maxCount(),
              config.maxPromptChars());
        }, false))
        .compose(request -> admit(ctx, request))
        .onFailure(ctx::fail);
  }

  /** {@code POST /v1/images/edits} as JSON; the body was read by a body handler. */
  public void editsJson(RoutingContext ctx) {
    parseJson(ctx.body().buffer(), true).compose(request -> admit(ctx, request)).onFailure(ctx::fail);
  }

  private Future<ImageRequest> parseJson(Buffer body, boolean edit) {
    int maxImages = config.images().maxCount();
    int maxPromptChars = config.maxPromptChars();
    if (body != null && body.length() > 16 * 1024) { // large bodies (data URLs) parse on a worker thread
      return vertx.executeBlocking(() -> ImageRequestParser.json(body, edit, maxImages, maxPromptChars), false);
    }
    try {
      return Future.succeededFuture(ImageRequestParser.json(body, edit, maxImages, maxPromptChars));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * The model must be served (MODEL_NOT_FOUND), one of its workers able to serve every parameter
   * (unsupported_parameter), and, for a non-streaming request, its line not full (429); then the input
   * images are converted (within the node's conversion gate), and the jobs queued. The request holds its
   * body, prompt and converted images against the node's limits until its response ends.
   */
  private Future<Void> admit(RoutingContext ctx, ImageRequest request) {
    return gate.admit(ctx, request.model(), request.n()).compose(admission -> admit(ctx, request, admission));
  }

  private Future<Void> admit(RoutingContext ctx, ImageRequest request, TenantAdmission admission) {
    String model = request.model();
    NodeLimits.Ticket ticket = RequestTicket.of(ctx);
    if (request.stream()) {
      ticket.stream(); // or 429 node_busy
    }
    return scheduler.admit(model, false)
        .compose(v -> scheduler.read((dispatcher, directory) ->
            directory.workers(model).stream().map(WorkerBackend::info).toList()))
        .compose(workers -> {
          CapabilityCheck.check(request, workers);
          return request.stream() ? Future.<Void>succeededFuture() : scheduler.admit(model, true);
        })
        .compose(v -> request.images().isEmpty()
            ? Future.succeededFuture(new Inputs(List.of(), null))
            : conversions.run(() -> !ctx.response().closed(), () -> vertx.executeBlocking(() -> convert(request), false)))
        .map(inputs -> {
          long body = ctx.body().buffer() == null ? 0 : ctx.body().buffer().length();
          ticket.hold(body + 2L * request.prompt().length() + inputs.images().stream().mapToLong(i -> i.data().length).sum()
              + (inputs.mask() == null ? 0 : inputs.mask().data().length));
          start(ctx, request, inputs, admission);
          return null;
        });
  }

  /** An edit's images and mask, checked and converted (blocking). */
  private record Inputs(List<InputImage> images, InputImage mask) {
  }

  private Inputs convert(ImageRequest request) {
    List<InputImage> images = new ArrayList<>();
    for (ImageSource source : request.images()) {
      images.add(source.bytes() != null ? converter.convert(source.param(), source.bytes()) : converter.convert(source.asPart()));
    }
    ImageSource mask = request.mask();
    if (mask == null) {
      return new Inputs(images, null);
    }
    byte[] bytes = mask.bytes() != null ? mask.bytes() : converter.bytesOf(mask.asPart());
    InputImage first = images.get(0);
    return new Inputs(images, converter.convertMask(mask.param(), bytes, first.width(), first.height()));
  }

  private void start(RoutingContext ctx, ImageRequest request, Inputs inputs, TenantAdmission admission) {
    HttpServerResponse response = ctx.response();
    if (response.closed()) {
      return; // the client left while its images were converted
    }
    long now = System.currentTimeMillis();
    List<Job> jobs = new ArrayList<>();
    String requestId = JobIds.next();
    String endpoint = ctx.request().path();
    String keyId = Caller.of(ctx).keyId();
    for (int i = 0; i < request.n(); i++) {
      // The i-th image gets seed i: deterministic backends make n different images, the same ones each time.
      String id = i == 0 ? requestId : JobIds.next();
      jobs.add(new Job(id, request.model(), request.prompt(), (long) i, scheduler.eventsAddress(), now,
          inputs.images(), request.options(), inputs.mask()).withOrigin(admission.origin(keyId, endpoint, requestId)));
      admission.handOver(id); // each is queued below, without fail
    }
    ctx.put(RequestIds.JOB_ID, jobs.get(0).id());
    ImageJson json = new ImageJson(request, now / 1000);
    Runnable cancelAll = () -> cancel(jobs, "client disconnected");
    ImageBatch.Sink sink;
    if (request.stream()) {
      ImageEventStream stream = new ImageEventStream(vertx, response, json, config.keepAliveSeconds() * 1000L, errors,
          () -> scheduler.read((dispatcher, directory) ->
              jobs.stream().mapToInt(job -> dispatcher.position(job.id())).filter(p -> p > 0).min().orElse(0)));
      sink = stream;
      submit(jobs, new ImageBatch(jobs.size(), sink, config.errorLanguage(), reason -> cancel(jobs, reason)));
      stream.open(cancelAll);
    } else {
      String baseUrl = !request.wantsUrl() ? null
          : config.publicBaseUrl() != null ? config.publicBaseUrl() : "http://" + ctx.request().authority();
      sink = new ImagesAnswer(response, json, errors, output, baseUrl);
      response.closeHandler(v -> cancelAll.run());
      submit(jobs, new ImageBatch(jobs.size(), sink, config.errorLanguage(), reason -> cancel(jobs, reason)));
    }
  }

  private void submit(List<Job> jobs, ImageBatch batch) {
    for (int i = 0; i < jobs.size(); i++) {
      scheduler.submit(jobs.get(i), batch.listener(i));
    }
  }

  private void cancel(List<Job> jobs, String reason) {
    jobs.forEach(job -> scheduler.cancel(job.id(), reason));
  }
}

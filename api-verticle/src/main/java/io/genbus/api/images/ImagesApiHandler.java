package io.genbus.api.images;

import io.genbus.api.auth.Caller;
import io.genbus.api.chat.DurableRequests;
import io.genbus.api.durable.DurableJobs;
import io.genbus.api.durable.DurableJobs.ImageParts;
import io.genbus.api.durable.DurableJobs.NewJob;
import io.genbus.api.durable.JobRecord;
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
import io.genbus.protocol.Addresses;
import io.genbus.protocol.InputImage;
import io.genbus.protocol.Job;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The Images API: {@code POST /v1/images/generations} (JSON) and {@code POST /v1/images/edits} (multipart as
 * the official SDKs send it, or JSON with data URLs). A request is checked, refused before queueing if no
 * live worker of the model can serve its parameters, its input images converted on worker threads, and its
 * {@code n} images made as {@code n} jobs that run in parallel on free slots; the answer is one JSON object
 * or, with {@code stream: true}, OpenAI's image events.
 *
 * <p>A request with {@code Prefer: respond-async} or an {@code Idempotency-Key} (and an images request sent to
 * {@code POST /v1/jobs}) makes one durable job of its {@code n} images ({@link DurableJobs}): answered at once
 * with 202, or followed from its record like the synchronous answer it stands for.
 */
public final class ImagesApiHandler {

  public static final String GENERATIONS = Addresses.IMAGES_GENERATIONS;
  public static final String EDITS = Addresses.IMAGES_EDITS;

  private final Vertx vertx;
  private final ApiConfig config;
  private final Scheduler scheduler;
  private final ErrorResponses errors;
  private final InputImageConverter converter;
  private final ImageOutput output;
  private final ConversionGate conversions;
  private final TenantGate gate;
  private final DurableRequests durableRequests;
  private final ImagesJobView view;

  public ImagesApiHandler(Vertx vertx, ApiConfig config, Scheduler scheduler, ErrorResponses errors, ImageOutput output,
                          InputImageConverter converter, ConversionGate conversions, TenantGate gate,
                          DurableRequests durable, ImagesJobView view) {
    this.vertx = vertx;
    this.gate = gate;
    this.config = config;
    this.scheduler = scheduler;
    this.errors = errors;
    this.converter = converter;
    this.output = output;
    this.conversions = conversions;
    this.durableRequests = durable;
    this.view = view;
  }

  /** A checked request, and for a durable one what its Idempotency-Key is compared on (else null). */
  private record Parsed(ImageRequest request, String bodyHash) {
  }

  /** {@code POST /v1/images/generations}; the body was read by a body handler. */
  public void generations(RoutingContext ctx) {
    handle(ctx, durable -> parseJson(ctx.body().buffer(), false, durable));
  }

  /** {@code POST /v1/images/edits}, a multipart form, read here in memory (in the routing tick). */
  public void editsMultipart(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    handle(ctx, durable -> MultipartBody.read(ctx.request(), config.maxBodyBytes())
        .compose(body -> vertx.executeBlocking(() -> {
          MultipartBody.Form form = MultipartBody.parse(contentType, body);
          ImageRequest request = ImageRequestParser.form(form.attributes(), form.files(), config.images().maxCount(),
              config.maxPromptChars());
          return new Parsed(request, durable ? formHash(form) : null);
        }, false)));
  }

  /** {@code POST /v1/images/edits} as JSON; the body was read by a body handler. */
  public void editsJson(RoutingContext ctx) {
    handle(ctx, durable -> parseJson(ctx.body().buffer(), true, durable));
  }

  /** Parses (in the routing tick), admits for the caller's tenant, then makes a durable job or runs the request. */
  private void handle(RoutingContext ctx, Function<Boolean, Future<Parsed>> parse) {
    boolean async = DurableRequests.prefersAsync(ctx);
    String key;
    try {
      key = DurableRequests.idempotencyKey(ctx);
    } catch (ApiException e) {
      ctx.fail(e);
      return;
    }
    boolean durable = async || key != null;
    parse.apply(durable)
        .compose(parsed -> gate.admit(ctx, parsed.request().model(), parsed.request().n())
            .compose(admission -> durable ? durable(ctx, parsed.request(), parsed.bodyHash(), async, admission)
                : admit(ctx, parsed.request(), admission)))
        .onFailure(ctx::fail);
  }

  private Future<Parsed> parseJson(Buffer body, boolean edit, boolean durable) {
    int maxImages = config.images().maxCount();
    int maxPromptChars = config.maxPromptChars();
    String endpoint = edit ? EDITS : GENERATIONS;
    Callable<Parsed> parse = () -> new Parsed(ImageRequestParser.json(body, edit, maxImages, maxPromptChars),
        durable ? DurableRequests.hash(endpoint, body) : null);
    if (body != null && body.length() > 16 * 1024) { // large bodies (data URLs) parse on a worker thread
      return vertx.executeBlocking(parse, false);
    }
    try {
      return Future.succeededFuture(parse.call());
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * What an Idempotency-Key compares for a form: its fields and files, not its bytes (a retry of the same form
   * comes with another boundary).
   */
  private static String formHash(MultipartBody.Form form) {
    Buffer canonical = Buffer.buffer();
    form.attributes().names().stream().sorted().forEach(name -> form.attributes().getAll(name)
        .forEach(value -> canonical.appendString(name).appendByte((byte) 0).appendString(value).appendByte((byte) 0)));
    for (MultipartBody.FilePart file : form.files()) {
      canonical.appendString(file.name()).appendByte((byte) 0).appendString(Integer.toString(file.bytes().length))
          .appendByte((byte) 0).appendBytes(file.bytes());
    }
    return DurableRequests.hash(EDITS, canonical);
  }

  /**
   * The durable job of a request (its Idempotency-Key's, or a new one of its {@code n} images, admitted and its
   * images converted first); then 202 with the job, or the job followed as the synchronous answer (a stream of
   * its completed images, or the images response), so that a retry with the same key re-attaches.
   */
  public Future<Void> durable(RoutingContext ctx, ImageRequest request, String bodyHash, boolean async,
                              TenantAdmission admission) {
    ImageRequest job = request.durable();
    return durableRequests.job(ctx, bodyHash, admission, maker(job, bodyHash))
        .map(created -> {
          JobRecord record = created.record();
          if (async) {
            DurableRequests.accepted(ctx, record);
          } else if (job.stream()) {
            view.stream(ctx.response(), record, DurableRequests.lastEventId(ctx), false);
          } else {
            view.answer(ctx.response(), record, DurableRequests.baseUrl(ctx, config));
          }
          return null;
        });
  }

  /**
   * The durable job of an Images API body that came without HTTP (the event bus), for {@code caller} (its key
   * id) and its idempotency key: parsed, checked, converted and made exactly as over HTTP.
   */
  public Future<DurableJobs.Created> durableJob(String caller, String key, String endpoint, Buffer body,
                                                Function<ImageRequest, Future<TenantAdmission>> admit) {
    return parseJson(body, endpoint.equals(EDITS), true).compose(parsed -> admit.apply(parsed.request())
        .compose(admission -> durableRequests.job(caller, key, parsed.bodyHash(), admission,
                maker(parsed.request().durable(), parsed.bodyHash()))
            .onComplete(ar -> admission.close()))); // what it did not hand to its parts goes back
  }

  /** Makes the durable job of {@code job}: its webhook checked, then admitted and its images converted. */
  private DurableRequests.JobMaker maker(ImageRequest job, String bodyHash) {
    return (caller, key) -> durableRequests.webhookUrl(job.webhook())
        .compose(url -> prepare(job, false, () -> true) // a durable job does not depend on its connection
            .map(inputs -> newJob(job, caller, key, bodyHash, url, inputs)));
  }

  private static NewJob newJob(ImageRequest request, String caller, String key, String bodyHash, String webhookUrl,
                               Inputs inputs) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < request.n(); i++) {
      ids.add(JobIds.next());
    }
    return new NewJob(ids.get(0), request.edit() ? JobRecord.IMAGE_EDIT : JobRecord.IMAGE_GENERATION,
        request.edit() ? EDITS : GENERATIONS, caller, request.model(), request.prompt(), 0L, inputs.images(), webhookUrl,
        key, bodyHash, null, new ImageParts(ids, request.options(), inputs.mask(), ImagesJobView.answerOf(request)));
  }

  /**
   * A synchronous request: for a non-streaming one its line must not be full (429); it holds its body, prompt
   * and converted images against the node's limits until its response ends.
   */
  private Future<Void> admit(RoutingContext ctx, ImageRequest request, TenantAdmission admission) {
    NodeLimits.Ticket ticket = RequestTicket.of(ctx);
    if (request.stream()) {
      ticket.stream(); // or 429 node_busy
    }
    return prepare(request, !request.stream(), () -> !ctx.response().closed())
        .map(inputs -> {
          long body = ctx.body().buffer() == null ? 0 : ctx.body().buffer().length();
          ticket.hold(body + 2L * request.prompt().length() + inputs.images().stream().mapToLong(i -> i.data().length).sum()
              + (inputs.mask() == null ? 0 : inputs.mask().data().length));
          start(ctx, request, inputs, admission);
          return null;
        });
  }

  /**
   * The model must be served (MODEL_NOT_FOUND), one of its workers able to serve every parameter
   * (unsupported_parameter), and, for an {@code impatient} request, its line not full (429); then the input
   * images are converted (within the node's conversion gate, while {@code wanted}).
   */
  private Future<Inputs> prepare(ImageRequest request, boolean impatient, BooleanSupplier wanted) {
    String model = request.model();
    return scheduler.admit(model, false)
        .compose(v -> scheduler.read((dispatcher, directory) ->
            directory.workers(model).stream().map(WorkerBackend::info).toList()))
        .compose(workers -> {
          CapabilityCheck.check(request, workers);
          return impatient ? scheduler.admit(model, true) : Future.<Void>succeededFuture();
        })
        .compose(v -> request.images().isEmpty()
            ? Future.succeededFuture(new Inputs(List.of(), null))
            : conversions.run(wanted, () -> vertx.executeBlocking(() -> convert(request), false)));
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
    String endpoint = request.edit() ? EDITS : GENERATIONS;
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

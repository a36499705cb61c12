package io.genbus.api.chat;

import io.genbus.api.errors.ApiException;
import io.genbus.api.errors.ErrorResponses;
import io.genbus.api.jobs.JobDispatcher;
import io.genbus.api.jobs.WorkerDirectory;
import io.genbus.config.ApiConfig;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.Job;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.OptionalInt;

/**
 * {@code POST /v1/chat/completions}: validates the request, checks that a live worker serves the model,
 * sends the job, and answers as one JSON completion or as an SSE stream.
 */
public final class ChatCompletionsHandler implements Handler<RoutingContext> {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final ApiConfig config;
  private final WorkerDirectory directory;
  private final JobDispatcher dispatcher;
  private final ErrorResponses errors;

  public ChatCompletionsHandler(Vertx vertx, ApiConfig config, WorkerDirectory directory,
                                JobDispatcher dispatcher, ErrorResponses errors) {
    this.vertx = vertx;
    this.config = config;
    this.directory = directory;
    this.dispatcher = dispatcher;
    this.errors = errors;
  }

  @Override
  public void handle(RoutingContext ctx) {
    ChatRequest request = ChatRequestParser.parse(ctx.body().buffer());
    directory.servesFresh(request.model()).onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        start(ctx, request);
      } else {
        errors.send(ctx, new ApiException(ErrorCode.MODEL_NOT_FOUND, "model", request.model()));
      }
    });
  }

  private void start(RoutingContext ctx, ChatRequest request) {
    String jobId = newJobId();
    long now = System.currentTimeMillis();
    Job job = new Job(jobId, request.model(), request.prompt(), request.seed(), dispatcher.eventsAddress(), now);
    ChatChunks chunks = new ChatChunks("chatcmpl-" + jobId, now / 1000, request.model());
    HttpServerResponse response = ctx.response();
    if (request.stream()) {
      // Streams are never refused for a full queue: they wait as long as it takes, with keep-alives.
      SseStream stream = new SseStream(vertx, response, chunks, config.keepAliveSeconds() * 1000L,
          config.keepAliveMode(), errors, () -> dispatcher.position(jobId));
      stream.open(() -> dispatcher.cancel(jobId, "client disconnected"));
      dispatcher.submit(job, stream);
      stream.keepAliveIfQueued();
    } else {
      OptionalInt retryAfter = dispatcher.refuseImpatient(request.model());
      if (retryAfter.isPresent()) {
        response.putHeader("Retry-After", String.valueOf(retryAfter.getAsInt()));
        errors.send(ctx, new ApiException(ErrorCode.QUEUE_FULL, null));
        return;
      }
      response.closeHandler(v -> dispatcher.cancel(jobId, "client disconnected"));
      dispatcher.submit(job, new CompletionCollector(response, chunks, errors));
    }
  }

  /** 96 random bits: unique and unguessable. */
  private static String newJobId() {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}

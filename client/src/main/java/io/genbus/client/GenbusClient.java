package io.genbus.client;

import io.genbus.protocol.Addresses;
import io.genbus.protocol.RecordCodec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * genbus from any Vert.x application of the cluster, without HTTP (README, "Event-bus integration"): a request
 * goes to {@link Addresses#JOBS_SUBMIT}, served by every API node, which makes a durable job of it exactly as
 * for HTTP (the same key check, limits, queue, failover and record); its events are read from any API node
 * ({@link Addresses#JOBS_EVENTS}) when its owner announces a change ({@link Addresses#jobChanged}), and on a
 * timer in case an announcement was lost. So a job survives its API node, and a stream its reconnects: it
 * resumes after the last event number it delivered.
 *
 * <pre>{@code
 * GenbusClient genbus = GenbusClient.create(vertx, apiKey);
 * genbus.generate(GenbusRequest.chat("local-image", "a lighthouse at dusk"))
 *     .onSuccess(result -> save(result.images().get(0).data()))
 *     .onFailure(err -> log(((GenbusException) err).code()));
 * }</pre>
 */
public final class GenbusClient {

  /**
   * How the client waits: each event-bus request's timeout, how often a stream asks for events without an
   * announcement (a lost one, a failed ask), how long before a refused-for-no-node submit is tried again,
   * and how many times.
   */
  public record Options(long requestTimeoutMs, long pollMs, long retryDelayMs, int submitAttempts) {

    public static final Options DEFAULTS = new Options(10_000, 2_000, 1_000, 5);

    public Options {
      if (requestTimeoutMs <= 0 || pollMs <= 0 || retryDelayMs <= 0 || submitAttempts < 1) {
        throw new IllegalArgumentException("timeouts and delays must be positive, attempts at least 1");
      }
    }
  }

  private final Vertx vertx;
  private final String apiKey;
  private final Options options;

  private GenbusClient(Vertx vertx, String apiKey, Options options) {
    this.vertx = vertx;
    this.apiKey = apiKey;
    this.options = options;
  }

  /** A client of the cluster {@code vertx} is a member of; {@code apiKey} as over HTTP (null: a genbus without keys). */
  public static GenbusClient create(Vertx vertx, String apiKey) {
    return create(vertx, apiKey, Options.DEFAULTS);
  }

  public static GenbusClient create(Vertx vertx, String apiKey, Options options) {
    RecordCodec.registerMissing(vertx.eventBus());
    return new GenbusClient(Objects.requireNonNull(vertx, "vertx"), apiKey, Objects.requireNonNull(options, "options"));
  }

  /** Runs the request to its end: its text and images, or a {@link GenbusException} (refused, or the job failed). */
  public Future<GenbusResult> generate(GenbusRequest request) {
    Promise<GenbusResult> result = Promise.promise();
    StringBuilder text = new StringBuilder();
    List<GenbusResult.Image> images = new ArrayList<>();
    stream(request)
        .exceptionHandler(result::tryFail)
        .handler(event -> {
          switch (event.type()) {
            case TEXT -> text.append(event.text());
            case IMAGE -> images.add(new GenbusResult.Image(event.mimeType(), event.data()));
            case DONE -> result.tryComplete(new GenbusResult(event.jobId(), text.toString(), images));
            case ERROR -> result.tryFail(event.error());
            default -> { }
          }
        });
    return result.future();
  }

  /**
   * Submits the request and streams its job's events in order, to the last ({@code DONE} or {@code ERROR}), then
   * ends. A refused request (bad request, key, limits, unknown model) fails the stream with a
   * {@link GenbusException}, as does a job that can no longer be read (expired).
   */
  public ReadStream<GenbusEvent> stream(GenbusRequest request) {
    JobStream stream = new JobStream(vertx, this);
    submit(request).onSuccess(job -> stream.follow(job.getString("id"), 0)).onFailure(stream::fail);
    return stream;
  }

  /**
   * Submits the request; the job object ({@code id}, {@code status}, …) once an API node recorded it. A submit
   * that no API node answered is sent again, with the same idempotency key: it makes one job.
   */
  public Future<JsonObject> submit(GenbusRequest request) {
    return submit(request.toMessage(), UUID.randomUUID().toString(), 1);
  }

  /** Follows a job submitted earlier (by its id) from after event number {@code afterSeq} (0: from the start). */
  public ReadStream<GenbusEvent> follow(String jobId, int afterSeq) {
    JobStream stream = new JobStream(vertx, this);
    stream.follow(jobId, afterSeq);
    return stream;
  }

  private Future<JsonObject> submit(JsonObject message, String idempotencyKey, int attempt) {
    return vertx.eventBus().<JsonObject>request(Addresses.JOBS_SUBMIT, message,
            delivery().addHeader(Addresses.IDEMPOTENCY_KEY_HEADER, idempotencyKey))
        .map(reply -> reply.body())
        .recover(err -> {
          if (attempt < options.submitAttempts() && unanswered(err)) {
            Promise<JsonObject> again = Promise.promise();
            vertx.setTimer(options.retryDelayMs(), id -> submit(message, idempotencyKey, attempt + 1).onComplete(again));
            return again.future();
          }
          return Future.failedFuture(GenbusException.of(err));
        });
  }

  /** An event-bus request with the key, and the client's timeout. */
  DeliveryOptions delivery() {
    DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(options.requestTimeoutMs());
    if (apiKey != null) {
      delivery.addHeader(Addresses.API_KEY_HEADER, apiKey);
    }
    return delivery;
  }

  Options options() {
    return options;
  }

  /** No API node answered (none registered, or it went away): another may, a moment later. */
  static boolean unanswered(Throwable err) {
    return err instanceof ReplyException reply
        && (reply.failureType() == ReplyFailure.NO_HANDLERS || reply.failureType() == ReplyFailure.TIMEOUT);
  }
}

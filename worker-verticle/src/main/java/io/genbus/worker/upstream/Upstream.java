package io.genbus.worker.upstream;

import io.genbus.config.UpstreamSettings;
import io.genbus.protocol.ErrorCode;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationRequest;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the HTTP backends share: one non-blocking {@link HttpClient} with a connection for every call the
 * backend makes at once, the key pool, and the rules that turn an upstream answer into a result or a
 * {@link GenerationException} — retry on the next key after a 429, once more after a 5xx, then a retryable
 * error the API node fails over from; 4xx and malformed answers are final. What the client is told says who
 * answered and the status; the upstream's own words go to the log (cleaned), never to the client, and a
 * key is in neither.
 */
public final class Upstream {

  private static final Logger LOG = LoggerFactory.getLogger(Upstream.class);
  /** How long a key rests after a 429 that gives no retry delay. */
  static final long DEFAULT_REST_MS = 60_000;
  /** The longest an upstream can make a key rest. */
  static final long MAX_REST_MS = 3_600_000;
  /** Pause before the one retry after a 5xx. */
  static final long RETRY_PAUSE_MS = 300;
  /** The largest answer read (a few 4K images in base64 fit many times over): a bound on a worker's memory. */
  static final long MAX_ANSWER_BYTES = 256L * 1024 * 1024;
  /** Longest piece of upstream text written to the log. */
  static final int LOG_TEXT_MAX = 300;

  private final Vertx vertx;
  private final UpstreamSettings settings;
  private final HttpClient client;
  private final KeyPool keys;
  private final String name;

  public Upstream(Vertx vertx, String name, UpstreamSettings settings) {
    this.vertx = vertx;
    this.name = name;
    this.settings = settings;
    this.keys = new KeyPool(settings.apiKeys());
    this.client = HttpClients.upstream(vertx, settings);
  }

  public String name() {
    return name;
  }

  /** The model name to send upstream for {@code request}. */
  public String model(GenerationRequest request) {
    return settings.upstreamModel() != null ? settings.upstreamModel() : request.model();
  }

  /** A POST to {@code baseUrl + path}; the call fails when no byte arrives for {@code timeoutSeconds}. */
  public RequestOptions post(String path) {
    return new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(settings.baseUrl() + path)
        .setIdleTimeout(settings.timeoutSeconds() * 1000L)
        .putHeader("User-Agent", "genbus");
  }

  public Future<Void> close() {
    return client.close();
  }

  /** One request, its answer read whole; a cancelled job resets the request, which closes its stream. */
  public Future<Answer.Whole> exchange(RequestOptions options, Function<HttpClientRequest, Future<HttpClientResponse>> send,
                                       Cancellation cancellation) {
    return exchange(options, send, cancellation, null).map(Answer.Whole.class::cast);
  }

  /**
   * One request; the body of a 2xx {@code text/event-stream} answer goes to {@code stream} chunk by chunk as it
   * arrives, any other answer is read whole. Whatever {@code stream} throws ends the call as the upstream's
   * error; so does a body that sends no byte for {@code timeoutSeconds}.
   */
  public Future<Answer> exchange(RequestOptions options, Function<HttpClientRequest, Future<HttpClientResponse>> send,
                                 Cancellation cancellation, Handler<Buffer> stream) {
    return client.request(options).compose(request -> {
      Promise<Answer> answer = Promise.promise();
      cancellation.onCancel(() -> {
        if (!answer.future().isComplete()) {
          request.reset(); // stops the upstream's work on our behalf and frees the connection
        }
      });
      send.apply(request).onFailure(answer::tryFail).onSuccess(response -> {
        int status = response.statusCode();
        if (stream != null && status / 100 == 2
            && String.valueOf(response.getHeader("Content-Type")).startsWith("text/event-stream")) {
          read(request, response, stream).<Answer>map(v -> new Answer.Streamed(status, response.headers())).onComplete(answer);
        } else {
          Buffer body = Buffer.buffer();
          read(request, response, body::appendBuffer).<Answer>map(v -> new Answer.Whole(status, response.headers(), body))
              .onComplete(answer);
        }
      });
      return answer.future();
    });
  }

  /**
   * Reads a body chunk by chunk, at most {@link #MAX_ANSWER_BYTES}. Vert.x's request idle timeout ends when
   * the response head arrives, so the body has its own: no byte for {@code timeoutSeconds} fails the read (a
   * TimeoutException) and resets the request.
   */
  private Future<Void> read(HttpClientRequest request, HttpClientResponse response, Handler<Buffer> chunks) {
    Promise<Void> done = Promise.promise();
    long idleMs = settings.timeoutSeconds() * 1000L;
    IdleTimer idle = new IdleTimer(vertx, idleMs, () -> {
      if (done.tryFail(new TimeoutException("no byte of the body for " + idleMs + " ms"))) {
        request.reset();
      }
    });
    long[] received = {0};
    response.handler(chunk -> {
      if (done.future().isComplete()) {
        return;
      }
      idle.touch();
      try {
        reading(() -> {
          received[0] += chunk.length();
          if (received[0] > MAX_ANSWER_BYTES) {
            LOG.warn("{} answered with more than {} bytes", name, MAX_ANSWER_BYTES);
            throw new GenerationException(ErrorCode.UPSTREAM_ERROR, name + " answered with more than "
                + MAX_ANSWER_BYTES / (1024 * 1024) + " MiB");
          }
          chunks.handle(chunk);
          return null;
        });
      } catch (GenerationException e) {
        done.tryFail(e);
        request.reset();
      }
    });
    response.exceptionHandler(done::tryFail);
    response.endHandler(v -> done.tryComplete());
    done.future().onComplete(ar -> idle.cancel());
    return done.future();
  }

  /** Fires {@code onIdle} once nothing {@link #touch}ed it for {@code ms}; one timer, not one per chunk. */
  private static final class IdleTimer {
    private final Vertx vertx;
    private final long ms;
    private final Runnable onIdle;
    private long last = System.nanoTime();
    private long timer;

    IdleTimer(Vertx vertx, long ms, Runnable onIdle) {
      this.vertx = vertx;
      this.ms = ms;
      this.onIdle = onIdle;
      this.timer = vertx.setTimer(ms, this::check);
    }

    private void check(long id) {
      long idle = (System.nanoTime() - last) / 1_000_000;
      if (idle >= ms) {
        onIdle.run();
      } else {
        timer = vertx.setTimer(ms - idle, this::check);
      }
    }

    void touch() {
      last = System.nanoTime();
    }

    void cancel() {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * Calls the upstream with a key from the pool until it answers 2xx, then hands the answer to {@code read}.
   * {@code send} sends one request with the given key. Whatever {@code read} throws ends the call as the
   * upstream's error (an answer of an unexpected shape must never leave a job hanging). A cancelled job
   * completes at once, which gives its slot back.
   */
  public <A extends Answer, T> Future<T> call(Function<String, Future<A>> send, Function<A, T> read,
                                              Cancellation cancellation) {
    Promise<T> result = Promise.promise();
    cancellation.onCancel(() -> result.tryFail(GenerationException.cancelled()));
    attempt(send, read, result, cancellation, keys.size(), false);
    return result.future();
  }

  private <A extends Answer, T> void attempt(Function<String, Future<A>> send, Function<A, T> read,
                                             Promise<T> result, Cancellation cancellation, int keysLeft, boolean retried) {
    if (cancellation.isCancelled()) {
      return;
    }
    String key = keys.take();
    if (key == null) {
      result.tryFail(new GenerationException(ErrorCode.UPSTREAM_RATE_LIMITED,
          name + ": every API key is resting after a 429; the first is usable again in " + (keys.soonestMs() / 1000 + 1) + " s"));
      return;
    }
    send.apply(key).onComplete(ar -> {
      if (ar.failed()) {
        result.tryFail(ar.cause() instanceof GenerationException g ? g : transportFailure(ar.cause()));
        return;
      }
      try {
        reading(() -> {
          answered(ar.result(), key, send, read, result, cancellation, keysLeft, retried);
          return null;
        });
      } catch (GenerationException e) {
        result.tryFail(e); // also an error answer too odd to classify: nothing may leave the call hanging
      }
    });
  }

  private <A extends Answer, T> void answered(A response, String key, Function<String, Future<A>> send, Function<A, T> read,
                                              Promise<T> result, Cancellation cancellation, int keysLeft, boolean retried) {
    int status = response.status();
    if (status / 100 == 2) {
      result.tryComplete(read.apply(response));
    } else if (status == 429) {
      keys.rest(key, retryDelayMs(response));
      if (keysLeft > 1) {
        attempt(send, read, result, cancellation, keysLeft - 1, retried);
      } else {
        result.tryFail(failure(ErrorCode.UPSTREAM_RATE_LIMITED, response, ""));
      }
    } else if (status >= 500 && !retried) {
      LOG.info("{} answered {}, retrying once: {}", name, status, forLog(detail(response)));
      vertx.setTimer(RETRY_PAUSE_MS, id -> attempt(send, read, result, cancellation, keysLeft, true));
    } else if (status >= 500) {
      result.tryFail(failure(ErrorCode.UPSTREAM_UNAVAILABLE, response, ""));
    } else if (status == 401 || status == 403) {
      result.tryFail(failure(ErrorCode.UPSTREAM_ERROR, response, " (the API key was refused)"));
    } else {
      result.tryFail(clientError(response));
    }
  }

  /**
   * Runs {@code read} over an upstream answer: a {@link GenerationException} it throws stays as it is, any
   * other runtime exception (a missing field, an empty array, bad base64) becomes the upstream's error.
   */
  public <T> T reading(Supplier<T> read) {
    try {
      return read.get();
    } catch (GenerationException e) {
      throw e;
    } catch (DecodeException e) {
      LOG.warn("{} answered with malformed JSON: {}", name, forLog(e.getMessage()));
      throw new GenerationException(ErrorCode.UPSTREAM_ERROR, name + " answered with malformed JSON");
    } catch (RuntimeException e) {
      LOG.warn("{} answered in an unexpected shape: {}", name, forLog(e.toString()));
      throw new GenerationException(ErrorCode.UPSTREAM_ERROR, name + " answered in an unexpected shape");
    }
  }

  /** A 4xx other than 401/403/429: content policy answers become content_blocked, the rest are final errors. */
  private GenerationException clientError(Answer response) {
    JsonObject error = errorObject(response);
    String code = error == null ? "" : error.getValue("code", "") + " " + error.getValue("type", "");
    String text = error != null && error.getValue("message") instanceof String message ? message : "";
    if (code.contains("content_policy") || code.contains("moderation") || text.toLowerCase(Locale.ROOT).contains("safety")) {
      String token = code.contains("content_policy") ? "content_policy_violation"
          : code.contains("moderation") ? "moderation_blocked" : "safety";
      return failure(ErrorCode.CONTENT_BLOCKED, response, " (" + token + ")");
    }
    return failure(ErrorCode.UPSTREAM_ERROR, response, "");
  }

  /** "{name} answered {status}{suffix}" for the client; the upstream's own message, cleaned, for the log. */
  private GenerationException failure(ErrorCode code, Answer response, String suffix) {
    String message = name + " answered " + response.status() + suffix;
    LOG.warn("{}: {}", message, forLog(detail(response)));
    return new GenerationException(code, message);
  }

  private GenerationException transportFailure(Throwable cause) {
    // Vert.x 5 fails a request that sees no byte for its idle timeout with NoStackTraceTimeoutException, a
    // java.util.concurrent.TimeoutException (as Future.timeout does); a connect timeout is netty's
    // ConnectTimeoutException, a ConnectException: the upstream could not be reached.
    if (cause instanceof TimeoutException) {
      return new GenerationException(ErrorCode.UPSTREAM_TIMEOUT, name + " did not answer within " + settings.timeoutSeconds() + " s");
    }
    String why = cause instanceof ConnectTimeoutException ? "no connection within " + HttpClients.CONNECT_TIMEOUT_MS / 1000 + " s"
        : cause.getClass().getSimpleName();
    LOG.warn("{} could not be reached: {}", name, forLog(String.valueOf(cause)));
    return new GenerationException(ErrorCode.UPSTREAM_UNAVAILABLE, name + " could not be reached (" + why + ")");
  }

  /** Google's {@code RetryInfo.retryDelay} ("37s"), or a Retry-After header, or a minute. */
  static long retryDelayMs(Answer response) {
    JsonObject error = errorObject(response);
    if (error != null && error.getValue("details") instanceof JsonArray details) {
      for (Object d : details) {
        if (d instanceof JsonObject detail && String.valueOf(detail.getValue("@type")).endsWith("RetryInfo")
            && detail.getValue("retryDelay") instanceof String delay) {
          if (delay.endsWith("s")) {
            try {
              return Math.min(MAX_REST_MS, (long) (Double.parseDouble(delay.substring(0, delay.length() - 1)) * 1000));
            } catch (NumberFormatException ignored) {
              // fall through to the defaults
            }
          }
        }
      }
    }
    String retryAfter = response.headers().get("Retry-After");
    if (retryAfter != null && retryAfter.matches("\\d{1,9}")) {
      return Math.min(MAX_REST_MS, Long.parseLong(retryAfter) * 1000);
    }
    return DEFAULT_REST_MS;
  }

  static JsonObject errorObject(Answer response) {
    if (!(response instanceof Answer.Whole whole) || whole.body() == null) {
      return null;
    }
    try {
      Object json = whole.json().getValue("error");
      return json instanceof JsonObject e ? e : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The upstream's own error message, or the start of its body: for the log only. */
  static String detail(Answer response) {
    JsonObject error = errorObject(response);
    if (error != null && error.getValue("message") instanceof String message) {
      return message;
    }
    Buffer body = response instanceof Answer.Whole whole ? whole.body() : null;
    return body == null || body.length() == 0 ? "(no body)"
        : body.getString(0, Math.min(body.length(), LOG_TEXT_MAX));
  }

  /** An upstream's code word (a finish or block reason) fit to show the client: letters, digits and _ only. */
  public static String token(String code) {
    return code != null && code.matches("[A-Za-z0-9_]{1,64}") ? code : "unrecognised";
  }

  /** Text from outside, fit for one log line: control characters (CR, LF, …) replaced, at most 300 characters. */
  public static String forLog(String text) {
    if (text == null) {
      return "";
    }
    String shortened = text.length() > LOG_TEXT_MAX ? text.substring(0, LOG_TEXT_MAX) + "…" : text;
    return shortened.replaceAll("[\\p{Cntrl}\\u0085\\u2028\\u2029]", " ");
  }
}

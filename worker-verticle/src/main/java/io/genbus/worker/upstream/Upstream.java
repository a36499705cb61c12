package io.genbus.worker.upstream;

import io.genbus.config.UpstreamSettings;
import io.genbus.protocol.ErrorCode;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * What the HTTP backends share: one non-blocking {@link WebClient} (with the proxy, if any), the key pool,
 * and the rules that turn an upstream answer into a result or a {@link GenerationException} — retry on the
 * next key after a 429, once more after a 5xx, then a retryable error the API node fails over from; 4xx
 * and malformed answers are final. Messages never contain a key.
 */
public final class Upstream {

  /** How long a key rests after a 429 that gives no retry delay. */
  static final long DEFAULT_REST_MS = 60_000;
  /** Pause before the one retry after a 5xx. */
  static final long RETRY_PAUSE_MS = 300;

  private final Vertx vertx;
  private final UpstreamSettings settings;
  private final HttpClient httpClient;
  private final WebClient client;
  private final KeyPool keys;
  private final String name;

  public Upstream(Vertx vertx, String name, UpstreamSettings settings) {
    this.vertx = vertx;
    this.name = name;
    this.settings = settings;
    this.keys = new KeyPool(settings.apiKeys());
    WebClientOptions options = new WebClientOptions()
        .setConnectTimeout(10_000)
        .setUserAgent("genbus");
    if (settings.proxy() != null) {
      options.setProxyOptions(proxy(settings.proxy()));
    }
    this.httpClient = vertx.createHttpClient(options);
    this.client = WebClient.wrap(httpClient, options);
  }

  public WebClient client() {
    return client;
  }

  /** The underlying client, for answers read as a stream. */
  public HttpClient httpClient() {
    return httpClient;
  }

  public String baseUrl() {
    return settings.baseUrl();
  }

  public long timeoutMs() {
    return settings.timeoutSeconds() * 1000L;
  }

  public void close() {
    client.close();
    httpClient.close();
  }

  /**
   * Calls the upstream with a key from the pool until it answers 2xx, then hands the body to {@code onSuccess}.
   * {@code call} sends one request with the given key. A cancelled job completes at once (the call's late
   * answer is dropped), which gives its slot back.
   */
  public <T> Future<T> call(Function<String, Future<Answer>> call,
                            Function<Answer, T> onSuccess, Cancellation cancellation) {
    Promise<T> result = Promise.promise();
    cancellation.onCancel(() -> result.tryFail(GenerationException.cancelled()));
    attempt(call, onSuccess, result, cancellation, keys.size(), false);
    return result.future();
  }

  private <T> void attempt(Function<String, Future<Answer>> call, Function<Answer, T> onSuccess,
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
    call.apply(key).onComplete(ar -> {
      if (ar.failed()) {
        result.tryFail(ar.cause() instanceof GenerationException g ? g : transportFailure(ar.cause()));
        return;
      }
      Answer response = ar.result();
      int status = response.status();
      if (status / 100 == 2) {
        try {
          result.tryComplete(onSuccess.apply(response));
        } catch (GenerationException e) {
          result.tryFail(e);
        } catch (DecodeException | ClassCastException | NullPointerException e) {
          result.tryFail(new GenerationException(ErrorCode.UPSTREAM_ERROR, name + " answered with malformed JSON"));
        }
      } else if (status == 429) {
        keys.rest(key, retryDelayMs(response));
        if (keysLeft > 1) {
          attempt(call, onSuccess, result, cancellation, keysLeft - 1, retried);
        } else {
          result.tryFail(new GenerationException(ErrorCode.UPSTREAM_RATE_LIMITED, name + " answered 429: " + message(response)));
        }
      } else if (status >= 500 && !retried) {
        vertx.setTimer(RETRY_PAUSE_MS, id -> attempt(call, onSuccess, result, cancellation, keysLeft, true));
      } else if (status >= 500) {
        result.tryFail(new GenerationException(ErrorCode.UPSTREAM_UNAVAILABLE, name + " answered " + status + ": " + message(response)));
      } else if (status == 401 || status == 403) {
        result.tryFail(new GenerationException(ErrorCode.UPSTREAM_ERROR, name + " refused the API key (HTTP " + status + ")"));
      } else {
        result.tryFail(clientError(status, response));
      }
    });
  }

  /** A 4xx other than 401/403/429: content policy answers become content_blocked, the rest are final errors. */
  private GenerationException clientError(int status, Answer response) {
    JsonObject error = errorObject(response);
    String code = error == null ? "" : String.valueOf(error.getValue("code", "")) + " " + error.getString("type", "");
    String text = message(response);
    if (code.contains("content_policy") || code.contains("moderation") || text.toLowerCase(Locale.ROOT).contains("safety")) {
      return new GenerationException(ErrorCode.CONTENT_BLOCKED, text);
    }
    return new GenerationException(ErrorCode.UPSTREAM_ERROR, name + " answered " + status + ": " + text);
  }

  private GenerationException transportFailure(Throwable cause) {
    if (cause instanceof TimeoutException || cause.getClass().getSimpleName().contains("Timeout")) {
      return new GenerationException(ErrorCode.UPSTREAM_TIMEOUT, name + " did not answer within " + settings.timeoutSeconds() + " s");
    }
    return new GenerationException(ErrorCode.UPSTREAM_UNAVAILABLE, name + " could not be reached (" + cause.getClass().getSimpleName() + ")");
  }

  /** Google's {@code RetryInfo.retryDelay} ("37s"), or a Retry-After header, or a minute. */
  static long retryDelayMs(Answer response) {
    JsonObject error = errorObject(response);
    if (error != null && error.getValue("details") instanceof JsonArray details) {
      for (Object d : details) {
        if (d instanceof JsonObject detail && detail.getString("@type", "").endsWith("RetryInfo")) {
          String delay = detail.getString("retryDelay", "");
          if (delay.endsWith("s")) {
            try {
              return (long) (Double.parseDouble(delay.substring(0, delay.length() - 1)) * 1000);
            } catch (NumberFormatException ignored) {
              // fall through to the defaults
            }
          }
        }
      }
    }
    String retryAfter = response.headers().get("Retry-After");
    if (retryAfter != null && retryAfter.matches("\\d+")) {
      return Long.parseLong(retryAfter) * 1000;
    }
    return DEFAULT_REST_MS;
  }

  static JsonObject errorObject(Answer response) {
    try {
      Buffer body = response.body();
      if (body == null) {
        return null;
      }
      Object json = new JsonObject(body).getValue("error");
      return json instanceof JsonObject e ? e : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The upstream's own error message, shortened; the body is never echoed whole. */
  static String message(Answer response) {
    JsonObject error = errorObject(response);
    String text = error != null && error.getString("message") != null ? error.getString("message")
        : "HTTP " + response.status();
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }

  static ProxyOptions proxy(String url) {
    URI uri = URI.create(url);
    ProxyOptions options = new ProxyOptions()
        .setType(switch (uri.getScheme().toLowerCase(Locale.ROOT)) {
          case "socks5" -> ProxyType.SOCKS5;
          case "socks4" -> ProxyType.SOCKS4;
          default -> ProxyType.HTTP;
        })
        .setHost(uri.getHost())
        .setPort(uri.getPort());
    if (uri.getUserInfo() != null) {
      String[] parts = uri.getUserInfo().split(":", 2);
      options.setUsername(parts[0]);
      if (parts.length > 1) {
        options.setPassword(parts[1]);
      }
    }
    return options;
  }

  /**
   * One upstream answer: status, headers, and the body (for a streamed answer, null; {@code value} then holds
   * what was read from the stream).
   */
  public record Answer(int status, MultiMap headers, Buffer body, Object value) {
    public static Answer of(HttpResponse<Buffer> response) {
      return new Answer(response.statusCode(), response.headers(), response.body(), null);
    }

    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** Downloads an image an upstream linked to: at most {@code maxBytes}, within the timeout, without the API key. */
  public Future<GeneratedImage> download(String url, long maxBytes) {
    return client.getAbs(url).timeout(timeoutMs()).send()
        .recover(err -> Future.failedFuture(new GenerationException(ErrorCode.UPSTREAM_UNAVAILABLE,
            "the image URL could not be downloaded (" + err.getClass().getSimpleName() + ")")))
        .map(response -> {
          if (response.statusCode() != 200) {
            throw new GenerationException(ErrorCode.UPSTREAM_ERROR, "the image URL answered " + response.statusCode());
          }
          Buffer body = response.body();
          if (body == null || body.length() == 0 || body.length() > maxBytes) {
            throw new GenerationException(ErrorCode.UPSTREAM_ERROR, "the downloaded image is empty or over " + maxBytes + " bytes");
          }
          byte[] bytes = body.getBytes();
          return new GeneratedImage(sniffImageType(bytes), bytes);
        });
  }

  /** The media type of image bytes, from their first bytes. */
  public static String sniffImageType(byte[] bytes) {
    if (bytes.length > 3 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'P') {
      return "image/png";
    }
    if (bytes.length > 2 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8) {
      return "image/jpeg";
    }
    if (bytes.length > 11 && bytes[0] == 'R' && bytes[8] == 'W' && bytes[9] == 'E') {
      return "image/webp";
    }
    if (bytes.length > 3 && bytes[0] == 'G' && bytes[1] == 'I' && bytes[2] == 'F') {
      return "image/gif";
    }
    return "image/png";
  }
}

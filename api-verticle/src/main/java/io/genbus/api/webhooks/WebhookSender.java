package io.genbus.api.webhooks;

import io.genbus.config.WebhooksConfig;
import io.genbus.net.OutboundPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one webhook: POSTs the body signed per Standard Webhooks, and retries with exponential backoff
 * (1 s, 2 s, 4 s, … at most 5 min apart) until a 2xx answer or until {@code api.webhooks.maxRetrySeconds}
 * after the first attempt. Every attempt is reported, so the job's record can list them. Each attempt resolves
 * the URL's host once and connects to the address its {@link WebhookGuard} checked, with the name as Host
 * header and TLS SNI (and the certificate checked against the name).
 */
public final class WebhookSender {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);
  static final long FIRST_BACKOFF_MS = 1000;
  static final long MAX_BACKOFF_MS = 300_000;

  /** One attempt: the HTTP status, or the error when there was no answer. */
  public record Attempt(long at, Integer status, String error, boolean delivered) {
  }

  private final Vertx vertx;
  private final WebhooksConfig config;
  private final WebhookGuard guard;
  private final WebhookSigner signer;
  private final HttpClient client;

  public WebhookSender(Vertx vertx, WebhooksConfig config) {
    this(vertx, config, InetAddress::getAllByName);
  }

  /** With a resolver of its own: tests give names the addresses they need. */
  public WebhookSender(Vertx vertx, WebhooksConfig config, OutboundPolicy.Resolver resolver) {
    this.vertx = vertx;
    this.config = config;
    this.guard = new WebhookGuard(vertx, config.allowPrivate(), resolver);
    this.signer = config.secret() == null ? null : new WebhookSigner(WebhooksConfig.secretBytes(config.secret()));
    // SNI even though the connection is to an address: the server needs the name to pick its certificate
    this.client = vertx.createHttpClient(new HttpClientOptions().setForceSni(true));
  }

  /** Whether webhooks can be signed (a secret is configured). */
  public boolean enabled() {
    return signer != null;
  }

  /** Checks a URL a client gave, before its job is accepted. */
  public Future<Void> check(String url) {
    return guard.check(url);
  }

  /**
   * Delivers {@code body} to {@code url} as message {@code messageId}; attempts already made (an adopted job's)
   * count: {@code firstAttemptAt} is when the first was, 0 if none. The future completes with whether it was
   * delivered.
   */
  public Future<Boolean> deliver(String url, String messageId, JsonObject body, int attemptsMade, long firstAttemptAt,
                                 Consumer<Attempt> onAttempt) {
    Promise<Boolean> done = Promise.promise();
    long first = firstAttemptAt == 0 ? System.currentTimeMillis() : firstAttemptAt;
    attempt(url, messageId, body.encode(), attemptsMade, first, onAttempt, done);
    return done.future();
  }

  private void attempt(String url, String id, String body, int made, long first, Consumer<Attempt> onAttempt,
                       Promise<Boolean> done) {
    long now = System.currentTimeMillis();
    guard.resolve(url)
        .compose(target -> post(target, id, body, now / 1000))
        .onComplete(ar -> {
          boolean delivered = ar.succeeded() && ar.result() / 100 == 2;
          Integer status = ar.succeeded() ? ar.result() : null;
          String error = ar.failed() ? String.valueOf(ar.cause().getMessage()) : null;
          onAttempt.accept(new Attempt(now, status, error, delivered));
          if (delivered) {
            done.complete(true);
            return;
          }
          long backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(20, made));
          if (System.currentTimeMillis() + backoff - first > config.maxRetrySeconds() * 1000L) {
            LOG.warn("webhook {} not delivered after {} attempt(s); giving up", id, made + 1);
            done.complete(false);
            return;
          }
          vertx.setTimer(backoff, t -> attempt(url, id, body, made + 1, first, onAttempt, done));
        });
  }

  private Future<Integer> post(WebhookGuard.Target target, String id, String body, long timestamp) {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setServer(SocketAddress.inetSocketAddress(target.port(), target.address().getHostAddress()))
        .setHost(target.host())
        .setPort(target.port())
        .setSsl(target.https())
        .setURI(target.path())
        .setTimeout(config.timeoutSeconds() * 1000L)
        .setFollowRedirects(false) // a redirect could lead past the guard
        .putHeader("Content-Type", "application/json")
        .putHeader("webhook-id", id)
        .putHeader("webhook-timestamp", String.valueOf(timestamp))
        .putHeader("webhook-signature", signer.sign(id, timestamp, body));
    return client.request(options)
        .compose(request -> request.send(Buffer.buffer(body)))
        .compose(response -> response.body().map(b -> response.statusCode()));
  }
}

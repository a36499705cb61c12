package io.genbus.api.webhooks;

import io.genbus.net.OutboundPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * The one check every webhook URL passes before each attempt: http(s) only, and no loopback, private,
 * link-local or otherwise internal address unless {@code api.webhooks.allowPrivate} (a webhook is a request
 * genbus makes on a client's behalf: it must not reach into the operator's network). The address rules are the
 * shared {@link OutboundPolicy}'s, as for worker downloads. The name is resolved once, off the event loop,
 * every address it resolves to is checked, and the attempt connects to the checked address ({@link Target}):
 * a DNS answer that changes between the check and the connection (DNS rebinding) cannot slip past.
 */
public final class WebhookGuard {

  /** Webhooks may be plain http; addresses follow the shared outbound rules, with nothing allowed beyond them. */
  private static final OutboundPolicy POLICY = OutboundPolicy.of(true, List.of());

  /** Where one attempt goes: the URL, its host name (Host header and TLS SNI) and the address that was checked. */
  public record Target(URI uri, String host, InetAddress address) {

    public boolean https() {
      return uri.getScheme().toLowerCase(Locale.ROOT).equals("https");
    }

    public int port() {
      return uri.getPort() > 0 ? uri.getPort() : https() ? 443 : 80;
    }

    /** The path and query, as sent on the request line. */
    public String path() {
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }
  }

  private final Vertx vertx;
  private final boolean allowPrivate;
  private final OutboundPolicy.Resolver resolver;

  public WebhookGuard(Vertx vertx, boolean allowPrivate, OutboundPolicy.Resolver resolver) {
    this.vertx = vertx;
    this.allowPrivate = allowPrivate;
    this.resolver = resolver;
  }

  /** Succeeds if genbus may call {@code url} now; fails with the reason otherwise. */
  public Future<Void> check(String url) {
    return resolve(url).mapEmpty();
  }

  /** The address to connect to for {@code url}, resolved and checked now; fails with the reason it may not be called. */
  public Future<Target> resolve(String url) {
    URI uri;
    try {
      uri = POLICY.checkUrl(url);
    } catch (OutboundPolicy.Refused e) {
      return Future.failedFuture(e.getMessage());
    }
    String host = OutboundPolicy.host(uri);
    return vertx.executeBlocking(() -> resolver.resolve(host), false)
        .recover(err -> Future.failedFuture(err instanceof UnknownHostException ? "unknown host " + host : err.toString()))
        .compose(addresses -> {
          if (allowPrivate) {
            return Future.succeededFuture(new Target(uri, host, addresses[0]));
          }
          try {
            return Future.succeededFuture(new Target(uri, host, POLICY.check(host, addresses)));
          } catch (OutboundPolicy.Refused e) {
            return Future.failedFuture(e.getMessage() + "; set api.webhooks.allowPrivate to allow it");
          }
        });
  }
}

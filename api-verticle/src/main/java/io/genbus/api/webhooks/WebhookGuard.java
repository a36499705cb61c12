package io.genbus.api.webhooks;

import io.genbus.net.OutboundPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The one check every webhook URL passes before each attempt: http(s) only, and no loopback, private,
 * link-local or otherwise internal address unless {@code api.webhooks.allowPrivate} (a webhook is a request
 * genbus makes on a client's behalf: it must not reach into the operator's network). The name is resolved
 * off the event loop; the address rules are the shared {@link OutboundPolicy}'s, as for worker downloads.
 */
public final class WebhookGuard {

  /** Webhooks may be plain http; addresses follow the shared outbound rules, with nothing allowed beyond them. */
  private static final OutboundPolicy POLICY = OutboundPolicy.of(true, List.of());

  private final Vertx vertx;
  private final boolean allowPrivate;

  public WebhookGuard(Vertx vertx, boolean allowPrivate) {
    this.vertx = vertx;
    this.allowPrivate = allowPrivate;
  }

  /** Succeeds if genbus may call {@code url}; fails with the reason otherwise. */
  public Future<Void> check(String url) {
    URI uri;
    try {
      uri = POLICY.checkUrl(url);
    } catch (OutboundPolicy.Refused e) {
      return Future.failedFuture(e.getMessage());
    }
    if (allowPrivate) {
      return Future.succeededFuture();
    }
    String host = OutboundPolicy.host(uri);
    return vertx.executeBlocking(() -> InetAddress.getAllByName(host), false)
        .recover(err -> Future.failedFuture(err instanceof UnknownHostException ? "unknown host " + host : err.toString()))
        .compose(addresses -> {
          try {
            POLICY.check(host, addresses); // the address rules every outbound fetch follows
            return Future.succeededFuture();
          } catch (OutboundPolicy.Refused e) {
            return Future.failedFuture(e.getMessage() + "; set api.webhooks.allowPrivate to allow it");
          }
        });
  }
}

package io.genbus.api.webhooks;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * The one check every webhook URL passes before each attempt: http(s) only, and no loopback, private,
 * link-local or otherwise internal address unless {@code api.webhooks.allowPrivate} (a webhook is a request
 * genbus makes on a client's behalf: it must not reach into the operator's network). The name is resolved
 * off the event loop. When the shared outbound policy (used by worker downloads) exists, it replaces
 * {@link #check} here, in this one place.
 */
public final class WebhookGuard {

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
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture("not a URL");
    }
    String scheme = uri.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme) || uri.getHost() == null) {
      return Future.failedFuture("only http(s) URLs with a host are called");
    }
    if (allowPrivate) {
      return Future.succeededFuture();
    }
    String host = uri.getHost();
    return vertx.executeBlocking(() -> InetAddress.getAllByName(host), false)
        .recover(err -> Future.failedFuture(err instanceof UnknownHostException ? "unknown host " + host : err.toString()))
        .compose(addresses -> {
          for (InetAddress a : addresses) {
            if (internal(a)) {
              return Future.failedFuture(host + " is an internal address (" + a.getHostAddress()
                  + "); set api.webhooks.allowPrivate to allow it");
            }
          }
          return Future.succeededFuture();
        });
  }

  static boolean internal(InetAddress a) {
    byte[] b = a.getAddress();
    boolean carrierNat = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // 100.64.0.0/10
    boolean uniqueLocal6 = b.length == 16 && (b[0] & 0xfe) == 0xfc; // fc00::/7
    return a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
        || a.isMulticastAddress() || carrierNat || uniqueLocal6;
  }
}

package io.genbus.worker.upstream;

import io.genbus.config.UpstreamSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import java.net.URI;
import java.util.Locale;

/** How the worker's HTTP clients are built: pools sized to the calls made at once, HTTP/2 where it helps, the proxy. */
final class HttpClients {

  static final int CONNECT_TIMEOUT_MS = 10_000;
  /**
   * Streams one HTTP/2 connection is counted on for. RFC 9113 advises servers to allow at least 100; with
   * one connection per 10 calls, a server that allows only 10 still gets every call at once.
   */
  static final int STREAMS_PER_CONNECTION = 10;

  private HttpClients() {
  }

  /**
   * The client of one backend: as many connections as it runs calls at once (Vert.x's default pool, 5 per
   * host, would queue the rest inside the client, unseen by slots and queues), HTTP/2 by ALPN on https
   * unless {@code http2: false}, h2c on plain http only when {@code http2: true}.
   */
  static HttpClient upstream(Vertx vertx, UpstreamSettings settings) {
    int calls = settings.concurrency();
    boolean https = settings.baseUrl().startsWith("https://");
    boolean http2 = settings.http2() == null ? https : settings.http2();
    HttpClientOptions options = new HttpClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS);
    if (http2) {
      options.setProtocolVersion(HttpVersion.HTTP_2)
          .setUseAlpn(https) // falls back to HTTP/1.1 when the server does not offer h2
          .setHttp2ClearTextUpgrade(false); // plain http: prior knowledge, no upgrade round trip
    }
    if (settings.proxy() != null) {
      options.setProxyOptions(proxy(settings.proxy()));
    }
    PoolOptions pool = new PoolOptions()
        .setHttp1MaxSize(calls)
        .setHttp2MaxSize(Math.max(1, (calls + STREAMS_PER_CONNECTION - 1) / STREAMS_PER_CONNECTION));
    return vertx.createHttpClient(options, pool);
  }

  /**
   * The client that downloads image links: HTTP/1.1 (no compression asked for, so a small body cannot
   * inflate), SNI and host name verification for the URL's host though the connection goes to a checked
   * address, the backend's proxy, redirects followed by the caller only.
   */
  static HttpClient downloads(Vertx vertx, String proxy, int connections) {
    HttpClientOptions options = new HttpClientOptions()
        .setConnectTimeout(CONNECT_TIMEOUT_MS)
        .setForceSni(true)
        .setVerifyHost(true)
        .setDecompressionSupported(false);
    if (proxy != null) {
      options.setProxyOptions(proxy(proxy));
    }
    return vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(connections));
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
}

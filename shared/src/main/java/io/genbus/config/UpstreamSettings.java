package io.genbus.config;

import java.util.List;

/** What every backend that calls a remote API has: where, with which keys, how long, through which proxy. */
public interface UpstreamSettings {
  String baseUrl();

  List<String> apiKeys();

  Integer timeoutSeconds();

  /** null, {@code http://[user:pass@]host:port} or {@code socks5://[user:pass@]host:port}. */
  String proxy();

  /** Calls at once, and so the size of the connection pool to the upstream. */
  Integer concurrency();

  /** The model name sent upstream for every served model; null: the served model's own name. */
  String upstreamModel();

  /**
   * HTTP/2: null = where the upstream offers it (ALPN on https; plain http stays HTTP/1.1), true = also on
   * plain http (prior knowledge, h2c), false = never.
   */
  Boolean http2();
}

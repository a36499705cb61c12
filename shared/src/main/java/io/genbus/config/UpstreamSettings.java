package io.genbus.config;

import java.util.List;

/** What every backend that calls a remote API has: where, with which keys, how long, through which proxy. */
public interface UpstreamSettings {
  String baseUrl();

  List<String> apiKeys();

  Integer timeoutSeconds();

  /** null, {@code http://[user:pass@]host:port} or {@code socks5://[user:pass@]host:port}. */
  String proxy();
}

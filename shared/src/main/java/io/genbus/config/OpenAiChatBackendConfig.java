package io.genbus.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/**
 * Any OpenAI-compatible chat completions upstream that returns images in its message (markdown or data URLs
 * in {@code content}, or {@code message.images[]}): genbus fronts other gateways and providers.
 *
 * @param models           models served; called upstream by the same name unless {@code upstreamModel} is set
 * @param concurrency      jobs at once (4)
 * @param baseUrl          API root, without {@code /v1}
 * @param apiKeys          key pool, as for gemini
 * @param timeoutSeconds   one upstream call (300)
 * @param proxy            optional HTTP or SOCKS proxy
 * @param upstreamModel    optional upstream model name
 * @param stream           ask the upstream to stream (true): its text is passed on as it comes
 * @param downloads        how image links in the answer are downloaded: see {@link DownloadsConfig}
 * @param http2            see {@link UpstreamSettings#http2()}
 */
public record OpenAiChatBackendConfig(List<String> models, Integer concurrency, String baseUrl, List<String> apiKeys,
                                      Integer timeoutSeconds, String proxy, String upstreamModel, Boolean stream,
                                      DownloadsConfig downloads, Boolean http2) implements BackendConfig, UpstreamSettings {

  public static final String TYPE = "openai-chat";

  public OpenAiChatBackendConfig {
    models = BackendChecks.models(TYPE, models, null);
    concurrency = Checks.range("openai-chat.concurrency", concurrency, 4, 1, 1024);
    if (baseUrl == null || baseUrl.isBlank()) {
      throw new ConfigException("backend 'openai-chat': baseUrl is required, e.g. https://gateway.example.com");
    }
    baseUrl = BackendChecks.baseUrl(TYPE, baseUrl, null);
    apiKeys = BackendChecks.keys(TYPE, apiKeys);
    timeoutSeconds = Checks.range("openai-chat.timeoutSeconds", timeoutSeconds, 300, 1, 3600);
    BackendChecks.proxy(TYPE, proxy);
    stream = stream == null || stream;
    downloads = downloads == null ? DownloadsConfig.defaults() : downloads;
  }

  @JsonIgnore
  @Override
  public String type() {
    return TYPE;
  }
}

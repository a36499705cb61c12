package io.genbus.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/**
 * Google's Generative Language API ({@code generateContent}).
 *
 * @param models             models served; each is called upstream by the same name unless {@code upstreamModel} is set
 * @param concurrency        jobs at once (4)
 * @param baseUrl            API root (https://generativelanguage.googleapis.com)
 * @param apiKeys            key pool: used in turn; a key that gets 429 rests for its retry delay
 * @param timeoutSeconds     one upstream call (120)
 * @param proxy              optional {@code http://[user:pass@]host:port} or {@code socks5://host:port}
 * @param upstreamModel      optional: the upstream model name for every served model
 * @param aspectRatio        optional {@code imageConfig.aspectRatio}, e.g. "16:9"
 * @param imageSize          optional {@code imageConfig.imageSize}: "1K", "2K" or "4K"
 * @param http2              see {@link UpstreamSettings#http2()}
 */
public record GeminiBackendConfig(List<String> models, Integer concurrency, String baseUrl, List<String> apiKeys,
                                  Integer timeoutSeconds, String proxy, String upstreamModel, String aspectRatio,
                                  String imageSize, Boolean http2) implements BackendConfig, UpstreamSettings {

  public static final String TYPE = "gemini";

  public GeminiBackendConfig {
    models = BackendChecks.models(TYPE, models, List.of("gemini-3-pro-image-preview"));
    concurrency = Checks.range("gemini.concurrency", concurrency, 4, 1, 1024);
    baseUrl = BackendChecks.baseUrl(TYPE, baseUrl, "https://generativelanguage.googleapis.com");
    apiKeys = BackendChecks.keys(TYPE, apiKeys);
    timeoutSeconds = Checks.range("gemini.timeoutSeconds", timeoutSeconds, 120, 1, 3600);
    BackendChecks.proxy(TYPE, proxy);
    if (imageSize != null && !List.of("1K", "2K", "4K").contains(imageSize)) {
      throw new ConfigException("backend 'gemini': imageSize must be 1K, 2K or 4K, not '" + imageSize + "'");
    }
  }

  @JsonIgnore
  @Override
  public String type() {
    return TYPE;
  }
}

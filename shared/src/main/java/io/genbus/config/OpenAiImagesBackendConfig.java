package io.genbus.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/**
 * The OpenAI Images API, or any server that speaks it: {@code /v1/images/generations} without input
 * images, {@code /v1/images/edits} (multipart) with them.
 *
 * @param models           models served; called upstream by the same name unless {@code upstreamModel} is set
 * @param concurrency      jobs at once (4)
 * @param baseUrl          API root (https://api.openai.com)
 * @param apiKeys          key pool, as for gemini
 * @param timeoutSeconds   one upstream call (180)
 * @param proxy            optional HTTP or SOCKS proxy
 * @param upstreamModel    optional upstream model name
 * @param size             optional {@code size}, e.g. "1024x1024"
 * @param quality          optional {@code quality}, e.g. "high"
 * @param responseFormat   optional {@code response_format} ("b64_json" or "url"); some models reject it
 * @param downloads        how {@code url} results are downloaded: see {@link DownloadsConfig}
 * @param http2            see {@link UpstreamSettings#http2()}
 * @param sizes            the sizes the upstream model makes, announced to API nodes (default: gpt-image-1's
 *                         auto, 1024x1024, 1536x1024, 1024x1536)
 */
public record OpenAiImagesBackendConfig(List<String> models, Integer concurrency, String baseUrl, List<String> apiKeys,
                                        Integer timeoutSeconds, String proxy, String upstreamModel, String size,
                                        String quality, String responseFormat, DownloadsConfig downloads,
                                        Boolean http2, List<String> sizes)
    implements BackendConfig, UpstreamSettings {

  public static final String TYPE = "openai-images";

  public OpenAiImagesBackendConfig {
    models = BackendChecks.models(TYPE, models, List.of("gpt-image-1"));
    concurrency = Checks.range("openai-images.concurrency", concurrency, 4, 1, 1024);
    baseUrl = BackendChecks.baseUrl(TYPE, baseUrl, "https://api.openai.com");
    apiKeys = BackendChecks.keys(TYPE, apiKeys);
    timeoutSeconds = Checks.range("openai-images.timeoutSeconds", timeoutSeconds, 180, 1, 3600);
    BackendChecks.proxy(TYPE, proxy);
    downloads = downloads == null ? DownloadsConfig.defaults() : downloads;
    sizes = sizes == null ? List.of("auto", "1024x1024", "1536x1024", "1024x1536") : List.copyOf(sizes);
    for (String s : sizes) {
      if (!s.equals("auto") && !s.matches("[1-9][0-9]{0,4}x[1-9][0-9]{0,4}")) {
        throw new ConfigException("backend '" + TYPE + "': sizes must be auto or WxH (e.g. 1024x1024), not '" + s + "'");
      }
    }
  }

  @JsonIgnore
  @Override
  public String type() {
    return TYPE;
  }
}

package io.genbus.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.genbus.net.OutboundPolicy;
import java.util.List;

/**
 * {@code downloads} of a backend whose upstream may answer with image links (openai-chat, openai-images):
 * what the worker may fetch. Every link is checked by {@link OutboundPolicy}; a link that fails any check
 * fails the job with one generic message (the worker log says why).
 *
 * @param allowHttp      plain http links too (false: https only)
 * @param allow          CIDRs, addresses or host names that may be fetched although they are loopback, private,
 *                       link-local, … (none); a cloud metadata address only when listed itself
 * @param maxLinks       links downloaded for one answer (4); an answer with more is refused, 0 refuses every link
 * @param maxBytes       largest image, checked from Content-Length before reading and counted while reading (50 MiB)
 * @param timeoutSeconds absolute deadline of one download, redirects included (30)
 * @param maxRedirects   redirects followed, each checked like the first URL (3; 0 = none)
 */
public record DownloadsConfig(Boolean allowHttp, List<String> allow, Integer maxLinks, Long maxBytes,
                              Integer timeoutSeconds, Integer maxRedirects) {

  public DownloadsConfig {
    allowHttp = allowHttp != null && allowHttp;
    allow = allow == null ? List.of() : List.copyOf(allow);
    try {
      OutboundPolicy.of(allowHttp, allow);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("downloads.allow: " + e.getMessage());
    }
    maxLinks = Checks.range("downloads.maxLinks", maxLinks, 4, 0, 64);
    maxBytes = maxBytes == null ? 50L * 1024 * 1024 : maxBytes;
    if (maxBytes < 1024 || maxBytes > 1024L * 1024 * 1024) {
      throw new ConfigException("downloads.maxBytes must be between 1024 and 1073741824, not " + maxBytes);
    }
    timeoutSeconds = Checks.range("downloads.timeoutSeconds", timeoutSeconds, 30, 1, 600);
    maxRedirects = Checks.range("downloads.maxRedirects", maxRedirects, 3, 0, 10);
  }

  public static DownloadsConfig defaults() {
    return new DownloadsConfig(null, null, null, null, null, null);
  }

  /** The address policy these settings make. */
  @JsonIgnore
  public OutboundPolicy policy() {
    return OutboundPolicy.of(allowHttp, allow);
  }
}

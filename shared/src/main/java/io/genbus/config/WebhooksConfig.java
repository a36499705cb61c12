package io.genbus.config;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * {@code api.webhooks}: calls made when a durable job ends, signed per the Standard Webhooks spec.
 *
 * @param url             a default webhook for durable jobs that name none (none by default)
 * @param secret          the signing secret, {@code whsec_<base64>} (or any other string, used as its bytes);
 *                        required once a webhook may be sent
 * @param maxRetrySeconds a delivery that keeps failing is retried with exponential backoff (1 s, 2 s, 4 s, … at
 *                        most 5 min apart) for this long after the first attempt (3600)
 * @param timeoutSeconds  how long one attempt may take (10)
 * @param allowPrivate    allow webhook URLs on loopback, private and link-local addresses (false)
 */
public record WebhooksConfig(String url, String secret, Integer maxRetrySeconds, Integer timeoutSeconds,
                             Boolean allowPrivate) {
  public WebhooksConfig {
    url = url == null || url.isBlank() ? null : url.trim();
    secret = secret == null || secret.isBlank() ? null : secret.trim();
    maxRetrySeconds = Checks.range("api.webhooks.maxRetrySeconds", maxRetrySeconds, 3600, 0, 7 * 86_400);
    timeoutSeconds = Checks.range("api.webhooks.timeoutSeconds", timeoutSeconds, 10, 1, 300);
    allowPrivate = allowPrivate != null && allowPrivate;
    if (url != null && secret == null) {
      throw new ConfigException("api.webhooks.secret is required when api.webhooks.url is set");
    }
    if (url != null && !url.startsWith("https://") && !url.startsWith("http://")) {
      throw new ConfigException("api.webhooks.url must be an http(s) URL, not " + url);
    }
    if (secret != null) {
      secretBytes(secret); // refuse a malformed whsec_ value at startup
    }
  }

  public static WebhooksConfig defaults() {
    return new WebhooksConfig(null, null, null, null, null);
  }

  /** The key for the HMAC: the base64 after {@code whsec_}, or the string's own bytes. */
  public static byte[] secretBytes(String secret) {
    if (secret.startsWith("whsec_")) {
      try {
        return Base64.getDecoder().decode(secret.substring("whsec_".length()));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("api.webhooks.secret: the part after whsec_ is not base64");
      }
    }
    return secret.getBytes(StandardCharsets.UTF_8);
  }
}

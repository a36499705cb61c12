package io.genbus.api.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): {@code webhook-signature: v1,<base64 of
 * HMAC-SHA256(secret, "<webhook-id>.<webhook-timestamp>.<body>")>}.
 */
public final class WebhookSigner {

  private final SecretKeySpec key;

  public WebhookSigner(byte[] secret) {
    this.key = new SecretKeySpec(secret, "HmacSHA256");
  }

  /** The value of the {@code webhook-signature} header. */
  public String sign(String id, long timestampSeconds, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      byte[] digest = mac.doFinal((id + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}

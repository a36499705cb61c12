package io.genbus.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A backend's downloads and HTTP settings")
class DownloadsConfigTest {

  private static BackendConfig backend(String yaml) {
    return new ConfigLoader(Map.of()).workerFromText("backends:\n  - " + yaml + "\n").backends().get(0);
  }

  @Test
  @DisplayName("defaults: https only, nothing allowed beyond public addresses, 4 links, 50 MiB, 30 s, 3 redirects")
  void defaults() {
    OpenAiChatBackendConfig chat = (OpenAiChatBackendConfig) backend("{type: openai-chat, models: [m], baseUrl: 'https://x.example', apiKeys: [k]}");
    DownloadsConfig d = chat.downloads();
    assertFalse(d.allowHttp());
    assertEquals(List.of(), d.allow());
    assertEquals(4, d.maxLinks());
    assertEquals(50L * 1024 * 1024, d.maxBytes());
    assertEquals(30, d.timeoutSeconds());
    assertEquals(3, d.maxRedirects());
    assertNull(chat.http2());
    OpenAiImagesBackendConfig images = (OpenAiImagesBackendConfig) backend("{type: openai-images, apiKeys: [k]}");
    assertEquals(DownloadsConfig.defaults(), images.downloads());
  }

  @Test
  @DisplayName("set in the file; a bad allowlist entry or limit stops the node with the key's name")
  void configured() {
    OpenAiImagesBackendConfig images = (OpenAiImagesBackendConfig) backend("{type: openai-images, apiKeys: [k], http2: false, "
        + "downloads: {allowHttp: true, allow: [10.0.0.0/8, images.internal], maxLinks: 2, maxBytes: 2048, timeoutSeconds: 5, maxRedirects: 0}}");
    assertEquals(new DownloadsConfig(true, List.of("10.0.0.0/8", "images.internal"), 2, 2048L, 5, 0), images.downloads());
    assertEquals(false, images.http2());
    ConfigException bad = assertThrows(ConfigException.class,
        () -> backend("{type: openai-images, apiKeys: [k], downloads: {allow: ['10.0.0.0/40']}}"));
    assertTrue(bad.getMessage().contains("downloads.allow"), bad.getMessage());
    assertThrows(ConfigException.class, () -> backend("{type: openai-images, apiKeys: [k], downloads: {maxBytes: 10}}"));
    assertThrows(ConfigException.class, () -> backend("{type: openai-images, apiKeys: [k], downloads: {followEverything: true}}"));
    assertThrows(ConfigException.class, () -> backend("{type: openai-images, apiKeys: [k], maxDownloadBytes: 10}"),
        "the old key moved into downloads.maxBytes");
  }
}

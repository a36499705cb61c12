package io.genbus.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.protocol.ErrorLanguage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Config file loading")
class ConfigLoaderTest {

  @TempDir
  Path dir;

  private Path file(String name, String text) throws IOException {
    Path path = dir.resolve(name);
    Files.writeString(path, text);
    return path;
  }

  @Test
  @DisplayName("no file gives the documented defaults")
  void defaults() {
    ConfigLoader loader = new ConfigLoader(Map.of());
    ApiConfig api = loader.api(null);
    assertEquals(3000, api.port());
    assertEquals(List.of(), api.keys());
    assertEquals(15, api.keepAliveSeconds());
    assertEquals(KeepAliveMode.COMMENT, api.keepAliveMode());
    assertEquals(ErrorLanguage.EN, api.errorLanguage());
    assertEquals(64L * 1024 * 1024, api.maxBodyBytes());
    WorkerConfig worker = loader.worker(null);
    LocalBackendConfig local = assertInstanceOf(LocalBackendConfig.class, worker.backends().get(0));
    assertEquals(List.of("local-image"), local.models());
    assertEquals(512, local.size());
    assertEquals(0, local.delayMs());
    assertEquals(2, local.concurrency());
  }

  @Test
  @DisplayName("a YAML file sets both sections; each node reads only its own")
  void yaml() throws IOException {
    Path path = file("genbus.yaml", """
        api:
          port: 8080
          keys: [sk-one, sk-two]
          keepAliveSeconds: 3
          keepAliveMode: content
          maxBodyBytes: 2048
          errorLanguage: zh
        worker:
          backends:
            - type: local
              models: [a, b]
              concurrency: 4
              size: 64
              delayMs: 100
        """);
    ConfigLoader loader = new ConfigLoader(Map.of());
    ApiConfig api = loader.api(path);
    assertEquals(8080, api.port());
    assertEquals(List.of("sk-one", "sk-two"), api.keys());
    assertEquals(3, api.keepAliveSeconds());
    assertEquals(KeepAliveMode.CONTENT, api.keepAliveMode());
    assertEquals(2048L, api.maxBodyBytes());
    assertEquals(ErrorLanguage.ZH, api.errorLanguage());
    LocalBackendConfig local = (LocalBackendConfig) loader.worker(path).backends().get(0);
    assertEquals(List.of("a", "b"), local.models());
    assertEquals(4, local.concurrency());
    assertEquals(64, local.size());
    assertEquals(100, local.delayMs());
  }

  @Test
  @DisplayName("JSON works too")
  void json() throws IOException {
    Path path = file("genbus.json", "{\"api\": {\"port\": 9000}}");
    assertEquals(9000, new ConfigLoader(Map.of()).api(path).port());
  }

  @Test
  @DisplayName("environment variables override the file")
  void environment() throws IOException {
    Path path = file("genbus.yaml", "api:\n  port: 8080\n");
    ConfigLoader loader = new ConfigLoader(Map.of(
        "GENBUS_API_PORT", "9090",
        "GENBUS_API_KEYS", "sk-a, sk-b",
        "GENBUS_API_KEEP_ALIVE_SECONDS", "5",
        "GENBUS_API_ERROR_LANGUAGE", "zh"));
    ApiConfig api = loader.api(path);
    assertEquals(9090, api.port());
    assertEquals(List.of("sk-a", "sk-b"), api.keys());
    assertEquals(5, api.keepAliveSeconds());
    assertEquals(ErrorLanguage.ZH, api.errorLanguage());
  }

  @Test
  @DisplayName("bad values are refused with the key named")
  void badValues() throws IOException {
    ConfigLoader loader = new ConfigLoader(Map.of());
    ConfigException port = assertThrows(ConfigException.class,
        () -> loader.api(file("a.yaml", "api:\n  port: 70000\n")));
    assertTrue(port.getMessage().contains("api.port"), port.getMessage());
    ConfigException typo = assertThrows(ConfigException.class,
        () -> loader.api(file("b.yaml", "api:\n  prot: 80\n")));
    assertTrue(typo.getMessage().contains("prot"), typo.getMessage());
    ConfigException mode = assertThrows(ConfigException.class,
        () -> loader.api(file("c.yaml", "api:\n  keepAliveMode: loud\n")));
    assertTrue(mode.getMessage().contains("keepAliveMode"), mode.getMessage());
    ConfigException type = assertThrows(ConfigException.class,
        () -> loader.worker(file("d.yaml", "worker:\n  backends:\n    - type: quantum\n")));
    assertTrue(type.getMessage().contains("quantum"), type.getMessage());
    ConfigException models = assertThrows(ConfigException.class,
        () -> loader.worker(file("e.yaml", "worker:\n  backends:\n    - type: local\n      models: []\n")));
    assertTrue(models.getMessage().contains("models"), models.getMessage());
  }

  @Test
  @DisplayName("limits and safe defaults: documented defaults, set in the file or the environment, typos refused")
  void limitsAndSafeDefaults() {
    ApiConfig defaults = new ConfigLoader(Map.of()).apiFromText("{}");
    assertEquals("0.0.0.0", defaults.host());
    assertEquals("127.0.0.1", defaults.bindHost(), "no keys: loopback only");
    assertEquals(false, defaults.allowAnonymous());
    assertEquals(32_000, defaults.maxPromptChars());
    assertEquals(12_000, defaults.limits().maxOpenJobs());
    assertEquals(10_000, defaults.limits().maxOpenStreams());
    assertEquals(60, defaults.limits().idleTimeoutSeconds());
    assertEquals(120, defaults.limits().bodyTimeoutSeconds());
    assertEquals("127.0.0.1", defaults.ops().host());
    assertEquals(null, defaults.ops().port());
    assertEquals(false, defaults.ops().separate());
    assertEquals(25_000_000L, defaults.images().maxPixels());
    assertEquals(32L * 1024 * 1024, defaults.images().maxStoredBytes());
    assertEquals("127.0.0.1", new ConfigLoader(Map.of()).workerFromText("{}").httpHost());

    ConfigLoader loader = new ConfigLoader(Map.of());
    assertEquals("0.0.0.0", loader.apiFromText("keys: [sk-1]").bindHost(), "with keys, api.host");
    assertEquals("0.0.0.0", loader.apiFromText("allowAnonymous: true").bindHost(), "anonymous on purpose");
    assertEquals("10.0.0.5", loader.apiFromText("host: 10.0.0.5\nallowAnonymous: true").bindHost());
    assertEquals("127.0.0.1", loader.apiFromText("host: 10.0.0.5").bindHost());
    assertEquals("127.0.0.9", loader.apiFromText("host: 127.0.0.9").bindHost(), "a loopback host is kept");
    assertEquals("localhost", loader.apiFromText("host: localhost").bindHost());

    ApiConfig file = loader.apiFromText("""
        maxPromptChars: 500
        limits: {maxOpenJobs: 7, maxOpenStreams: 3, idleTimeoutSeconds: 5, bodyTimeoutSeconds: 9}
        ops: {host: 0.0.0.0, port: 9100}
        images: {maxStoredBytes: 4096}
        """);
    assertEquals(500, file.maxPromptChars());
    assertEquals(new LimitsConfig(7, 3, 5, 9), file.limits());
    assertEquals(new OpsConfig("0.0.0.0", 9100), file.ops());
    assertEquals(4096L, file.images().maxStoredBytes());

    ApiConfig env = new ConfigLoader(Map.of(
        "GENBUS_API_ALLOW_ANONYMOUS", "true",
        "GENBUS_API_MAX_PROMPT_CHARS", "100",
        "GENBUS_API_LIMITS_MAX_OPEN_JOBS", "11",
        "GENBUS_API_LIMITS_MAX_OPEN_STREAMS", "4",
        "GENBUS_API_LIMITS_IDLE_TIMEOUT_SECONDS", "6",
        "GENBUS_API_LIMITS_BODY_TIMEOUT_SECONDS", "8",
        "GENBUS_API_OPS_HOST", "10.0.0.9",
        "GENBUS_API_OPS_PORT", "9101",
        "GENBUS_API_IMAGES_MAX_PIXELS", "1000000",
        "GENBUS_API_IMAGES_MAX_STORED_BYTES", "2048")).apiFromText("{}");
    assertEquals(true, env.allowAnonymous());
    assertEquals(100, env.maxPromptChars());
    assertEquals(new LimitsConfig(11, 4, 6, 8), env.limits());
    assertEquals(new OpsConfig("10.0.0.9", 9101), env.ops());
    assertEquals(1_000_000L, env.images().maxPixels());
    assertEquals(2048L, env.images().maxStoredBytes());

    ConfigException typo = assertThrows(ConfigException.class, () -> loader.apiFromText("limits: {maxOpenJob: 3}"));
    assertTrue(typo.getMessage().contains("maxOpenJob"), typo.getMessage());
    ConfigException opsTypo = assertThrows(ConfigException.class, () -> loader.apiFromText("ops: {prot: 3}"));
    assertTrue(opsTypo.getMessage().contains("prot"), opsTypo.getMessage());
    ConfigException idle = assertThrows(ConfigException.class, () -> loader.apiFromText("limits: {idleTimeoutSeconds: 0}"));
    assertTrue(idle.getMessage().contains("api.limits.idleTimeoutSeconds"), idle.getMessage());
    ConfigException prompt = assertThrows(ConfigException.class, () -> loader.apiFromText("maxPromptChars: 0"));
    assertTrue(prompt.getMessage().contains("api.maxPromptChars"), prompt.getMessage());
    ConfigException stored = assertThrows(ConfigException.class, () -> loader.apiFromText("images: {maxStoredBytes: 10}"));
    assertTrue(stored.getMessage().contains("api.images.maxStoredBytes"), stored.getMessage());
  }

  @Test
  @DisplayName("a worker section error does not stop an API node")
  void sectionsAreIndependent() throws IOException {
    Path path = file("mixed.yaml", "api:\n  port: 3001\nworker:\n  backends: nonsense\n");
    ConfigLoader loader = new ConfigLoader(Map.of());
    assertEquals(3001, loader.api(path).port());
    assertThrows(ConfigException.class, () -> loader.worker(path));
  }

  @Test
  @DisplayName("nested sections: queue, dispatch, failover, also from the environment")
  void nested() {
    ConfigLoader loader = new ConfigLoader(Map.of("GENBUS_API_QUEUE_MAX_WAIT_SECONDS", "30"));
    ApiConfig api = loader.apiFromText("""
        queue: {buffer: 5}
        dispatch: {strategy: round_robin}
        failover: {maxRetries: 1}
        """);
    assertEquals(5, api.queue().buffer());
    assertEquals(30, api.queue().maxWaitSeconds());
    assertEquals(DispatchStrategy.ROUND_ROBIN, api.dispatch().strategy());
    assertEquals(1, api.failover().maxRetries());
    ApiConfig defaults = new ConfigLoader(Map.of()).apiFromText("{}");
    assertEquals(2, defaults.queue().buffer());
    assertEquals(0, defaults.queue().maxWaitSeconds());
    assertEquals(DispatchStrategy.LEAST_BUSY, defaults.dispatch().strategy());
    assertEquals(2, defaults.failover().maxRetries());
    WorkerConfig worker = new ConfigLoader(Map.of()).workerFromText("jobTimeoutSeconds: 7\ndrainSeconds: 3");
    assertEquals(7, worker.jobTimeoutSeconds());
    assertEquals(3, worker.drainSeconds());
  }

  @Test
  @DisplayName("images: defaults, and a maxCount above 10 is refused at startup")
  void images() {
    ConfigLoader loader = new ConfigLoader(Map.of());
    ImagesConfig images = loader.apiFromText("{}").images();
    assertEquals(5, images.maxCount());
    assertEquals(2048, images.maxSide());
    assertEquals(ImageOutputMode.MARKDOWN, images.output());
    assertEquals(10, loader.apiFromText("images: {maxCount: 10}").images().maxCount());
    ConfigException e = assertThrows(ConfigException.class, () -> loader.apiFromText("images: {maxCount: 11}"));
    assertTrue(e.getMessage().contains("api.images.maxCount"), e.getMessage());
    assertEquals(ImageOutputMode.URL, loader.apiFromText("images: {output: url}").images().output());
    assertEquals("https://img.example.com", loader.apiFromText("publicBaseUrl: https://img.example.com/").publicBaseUrl());
  }

  @Test
  @DisplayName("image parameters: stream.maxChunkBytes (also from the environment), local maxSize, openai-images sizes")
  void imageParameters() {
    assertEquals(32 * 1024, new ConfigLoader(Map.of()).apiFromText("{}").stream().maxChunkBytes());
    assertEquals(4096, new ConfigLoader(Map.of("GENBUS_API_STREAM_MAX_CHUNK_BYTES", "4096")).apiFromText("{}")
        .stream().maxChunkBytes());
    ConfigException small = assertThrows(ConfigException.class,
        () -> new ConfigLoader(Map.of()).apiFromText("stream: {maxChunkBytes: 100}"));
    assertTrue(small.getMessage().contains("api.stream.maxChunkBytes"), small.getMessage());
    ConfigLoader loader = new ConfigLoader(Map.of("K", "sk"));
    LocalBackendConfig local = (LocalBackendConfig) loader.workerFromText("backends: [{type: local}]").backends().get(0);
    assertEquals(2048, local.maxSize());
    assertThrows(ConfigException.class, () -> loader.workerFromText("backends: [{type: local, size: 512, maxSize: 256}]"));
    OpenAiImagesBackendConfig openai = (OpenAiImagesBackendConfig) loader.workerFromText(
        "backends: [{type: openai-images, apiKeys: [\"${K}\"], sizes: [auto, 1792x1024]}]").backends().get(0);
    assertEquals(List.of("auto", "1792x1024"), openai.sizes());
    ConfigException size = assertThrows(ConfigException.class, () -> loader.workerFromText(
        "backends: [{type: openai-images, apiKeys: [\"${K}\"], sizes: [big]}]"));
    assertTrue(size.getMessage().contains("sizes"), size.getMessage());
  }

  @Test
  @DisplayName("backends: ${VAR} takes keys from the environment; a missing variable or key is named")
  void backends() {
    ConfigLoader loader = new ConfigLoader(Map.of("GEMINI_API_KEY", "g-123"));
    GeminiBackendConfig gemini = (GeminiBackendConfig) loader.workerFromText(
        "backends:\n  - {type: gemini, apiKeys: [\"${GEMINI_API_KEY}\"], imageSize: 2K}\n").backends().get(0);
    assertEquals(List.of("g-123"), gemini.apiKeys());
    assertEquals(List.of("gemini-3-pro-image-preview"), gemini.models());
    assertEquals("https://generativelanguage.googleapis.com", gemini.baseUrl());
    ConfigException missing = assertThrows(ConfigException.class, () -> loader.workerFromText(
        "backends:\n  - {type: gemini, apiKeys: [\"${NOT_SET_ANYWHERE}\"]}\n"));
    assertTrue(missing.getMessage().contains("NOT_SET_ANYWHERE"), missing.getMessage());
    ConfigException noKey = assertThrows(ConfigException.class, () -> loader.workerFromText(
        "backends:\n  - {type: openai-images}\n"));
    assertTrue(noKey.getMessage().contains("apiKeys"), noKey.getMessage());
    ConfigException noUrl = assertThrows(ConfigException.class, () -> loader.workerFromText(
        "backends:\n  - {type: openai-chat, models: [m], apiKeys: [k]}\n"));
    assertTrue(noUrl.getMessage().contains("baseUrl"), noUrl.getMessage());
    ConfigException proxy = assertThrows(ConfigException.class, () -> loader.workerFromText(
        "backends:\n  - {type: gemini, apiKeys: [k], proxy: 'ftp://x'}\n"));
    assertTrue(proxy.getMessage().contains("proxy"), proxy.getMessage());
  }

  @Test
  @DisplayName("env names follow the keys")
  void envNames() {
    assertEquals("GENBUS_API_KEEP_ALIVE_SECONDS", ConfigLoader.envName("api", "keepAliveSeconds"));
    assertEquals("GENBUS_API_PORT", ConfigLoader.envName("api", "port"));
  }
}

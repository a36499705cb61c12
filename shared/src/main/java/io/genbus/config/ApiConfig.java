package io.genbus.config;

import io.genbus.protocol.ErrorLanguage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code api} section of the config file. Every field has a default, so an empty section works.
 *
 * @param port              HTTP port (3000); 0 picks a free one
 * @param host              interface to bind (0.0.0.0); without keys, see {@link #bindHost()}
 * @param keys              accepted bearer keys; empty = open to anyone who reaches the port, which is then
 *                          loopback only unless {@code allowAnonymous}
 * @param keepAliveSeconds  seconds between keep-alives on an open stream (15)
 * @param keepAliveMode     comment (default) or content
 * @param maxBodyBytes      largest request body accepted; larger → 413 (64 MiB)
 * @param errorLanguage     en (default) or zh, the spec's wording
 * @param workerLostSeconds a job whose worker has been silent this long is taken for lost (10)
 * @param queue             the per-model waiting line
 * @param dispatch          how a worker is chosen
 * @param failover          re-dispatch after a lost worker or a retryable failure
 * @param drainSeconds      on SIGTERM, how long open requests may take to finish (30)
 * @param images            input image limits and the output mode
 * @param publicBaseUrl     base of image URLs in {@code url} output mode, e.g. {@code https://img.example.com};
 *                          null = from each request's Host header
 * @param allowAnonymous    without keys, serve {@code host} anyway (false: without keys only 127.0.0.1 is bound)
 * @param maxPromptChars    longest prompt (the text of the last user message) accepted; longer → 400 (32,000)
 * @param limits            what the node takes on at once, and the connection clocks
 * @param ops               where {@code /metrics} and {@code /health/*} are served
 * @param stream            how chat streams are cut ({@code maxChunkBytes})
 * @param jobs              durable jobs: how long records are kept
 * @param webhooks          webhooks of durable jobs: default URL, signing secret, retries
 * @param tenants           tenants with their own keys and limits; {@code keys} are one more, unlimited tenant
 *                          named {@code default}
 * @param adminKeys         keys of the admin API ({@code /v1/admin/*}) and of everyone's usage
 * @param eventBusBridge    serve vertx-web's SockJS event-bus bridge at {@code /eventbus} for browsers (false):
 *                          submit and events requests, and notices of the key's own jobs only
 */
public record ApiConfig(Integer port, String host, List<String> keys, Integer keepAliveSeconds,
                        KeepAliveMode keepAliveMode, Long maxBodyBytes, ErrorLanguage errorLanguage,
                        Integer workerLostSeconds, QueueConfig queue, DispatchConfig dispatch,
                        FailoverConfig failover, Integer drainSeconds, ImagesConfig images,
                        String publicBaseUrl, Boolean allowAnonymous, Integer maxPromptChars,
                        LimitsConfig limits, OpsConfig ops, StreamConfig stream, JobsConfig jobs,
                        WebhooksConfig webhooks, List<TenantConfig> tenants, List<String> adminKeys,
                        Boolean eventBusBridge) {

  static final String LOOPBACK = "127.0.0.1";
  /** The tenant of {@code api.keys}. */
  public static final String DEFAULT_TENANT = "default";

  public ApiConfig {
    port = Checks.range("api.port", port, 3000, 0, 65535);
    host = host == null || host.isBlank() ? "0.0.0.0" : host;
    keys = keys == null ? List.of() : keys.stream().map(String::trim).filter(k -> !k.isEmpty()).toList();
    keepAliveSeconds = Checks.range("api.keepAliveSeconds", keepAliveSeconds, 15, 1, 3600);
    keepAliveMode = keepAliveMode == null ? KeepAliveMode.COMMENT : keepAliveMode;
    maxBodyBytes = maxBodyBytes == null ? 64L * 1024 * 1024 : maxBodyBytes; // 5 photo-sized PNGs fit
    if (maxBodyBytes < 1024) {
      throw new ConfigException("api.maxBodyBytes must be at least 1024, not " + maxBodyBytes);
    }
    errorLanguage = errorLanguage == null ? ErrorLanguage.EN : errorLanguage;
    workerLostSeconds = Checks.range("api.workerLostSeconds", workerLostSeconds, 10, 2, 3600);
    queue = queue == null ? QueueConfig.defaults() : queue;
    dispatch = dispatch == null ? DispatchConfig.defaults() : dispatch;
    failover = failover == null ? FailoverConfig.defaults() : failover;
    drainSeconds = Checks.range("api.drainSeconds", drainSeconds, 30, 0, 3600);
    images = images == null ? ImagesConfig.defaults() : images;
    jobs = jobs == null ? JobsConfig.defaults() : jobs;
    webhooks = webhooks == null ? WebhooksConfig.defaults() : webhooks;
    publicBaseUrl = publicBaseUrl == null || publicBaseUrl.isBlank() ? null : publicBaseUrl.replaceAll("/+$", "");
    allowAnonymous = allowAnonymous != null && allowAnonymous;
    // 32,000 characters: pages of instructions, far beyond any image model's prompt, yet small beside the body limit.
    maxPromptChars = Checks.range("api.maxPromptChars", maxPromptChars, 32_000, 1, 10_000_000);
    limits = limits == null ? LimitsConfig.defaults() : limits;
    ops = ops == null ? OpsConfig.defaults() : ops;
    stream = stream == null ? StreamConfig.defaults() : stream;
    tenants = tenants == null ? List.of() : List.copyOf(tenants);
    adminKeys = adminKeys == null ? List.of() : adminKeys.stream().map(String::trim).filter(k -> !k.isEmpty()).toList();
    checkTenants(keys, tenants, adminKeys);
    eventBusBridge = eventBusBridge != null && eventBusBridge;
  }

  /** The {@code default} tenant of {@code keys} cannot also be declared, and no key may serve two callers. */
  private static void checkTenants(List<String> keys, List<TenantConfig> tenants, List<String> adminKeys) {
    Set<String> names = new HashSet<>();
    Set<String> seen = new HashSet<>(keys);
    if (!keys.isEmpty()) {
      names.add(DEFAULT_TENANT);
    }
    for (TenantConfig t : tenants) {
      if (!names.add(t.name())) {
        throw new ConfigException("api.tenants: the name '" + t.name() + "' is used twice"
            + (t.name().equals(DEFAULT_TENANT) ? " (api.keys are the tenant 'default')" : ""));
      }
      for (String key : t.keys()) {
        if (!seen.add(key)) {
          throw new ConfigException("api.tenants." + t.name() + ": a key is also given elsewhere (api.keys or another tenant)");
        }
      }
    }
    for (String key : adminKeys) {
      if (!seen.add(key)) {
        throw new ConfigException("api.adminKeys: an admin key is also a tenant's key; give admins keys of their own");
      }
    }
  }

  /**
   * Whether requests must carry a key: any key, tenant or admin key configured (runtime tenants need
   * admin keys to be created, so an API without any of these is open).
   */
  public boolean authenticated() {
    return !keys.isEmpty() || !tenants.isEmpty() || !adminKeys.isEmpty();
  }

  /**
   * The interface the API really binds: {@code host}, except that an API without keys binds only 127.0.0.1
   * unless {@code allowAnonymous} says anonymous clients from the network are meant.
   */
  public String bindHost() {
    return !authenticated() && !allowAnonymous && !isLoopback(host) ? LOOPBACK : host;
  }

  /** A literal loopback address or {@code localhost} (no name lookup). */
  public static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
  }

  /** All defaults. */
  public static ApiConfig defaults() {
    return new ApiConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null, null, null);
  }

  public ApiConfig withPort(int newPort) {
    return new ApiConfig(newPort, host, keys, keepAliveSeconds, keepAliveMode, maxBodyBytes, errorLanguage,
        workerLostSeconds, queue, dispatch, failover, drainSeconds, images, publicBaseUrl, allowAnonymous, maxPromptChars,
        limits, ops, stream, jobs, webhooks, tenants, adminKeys, eventBusBridge);
  }
}

package io.genbus.api;

import static io.genbus.api.Http.chat;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.api.DeployKit.Probe;
import io.genbus.api.DeployKit.PromQl;
import io.genbus.protocol.ErrorCode;
import io.genbus.worker.GenerationException;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The deployment kit against real nodes: the health paths its probes use answer on a node of the role they
 * target, and every metric and label the Grafana dashboard queries is in the {@code /metrics} of an API node
 * and a worker node after jobs ran (one done, one failed upstream).
 */
@DisplayName("the deployment kit against running nodes")
class DeployKitClusterTest {

  static TestCluster cluster;
  static int api;
  static int workerHttp;
  /** What the API node answered on each probe path before any worker was known. */
  static final Map<String, Integer> apiBeforeWorkers = new HashMap<>();

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    api = cluster.api(cluster.node(), apiConfig("")).port();
    DeployKit.probes().stream().filter(p -> p.role().equals("api"))
        .forEach(p -> apiBeforeWorkers.put(p.path(), Http.get(api, p.path()).status()));
    workerHttp = cluster.workerVerticle(workerConfig("""
        httpPort: 0
        httpHost: 127.0.0.1
        backends:
          - {type: local, models: [kit-model], concurrency: 2, size: 16}
        """)).httpPort();
    cluster.worker(workerConfig("backends:\n  - {type: local, models: [kit-failing], concurrency: 1}\n"),
        (vertx, backend) -> (request, cancellation) ->
            Future.failedFuture(new GenerationException(ErrorCode.UPSTREAM_ERROR, "upstream answered 401")));
    eventually("both models listed",
        () -> GatewayClusterTest.modelIds(api).containsAll(List.of("kit-model", "kit-failing")));
    assertEquals(200, chat(api, Http.chatBody("kit-model", "a cat", false)).status());
    Http.Response failed = chat(api, Http.chatBody("kit-failing", "a cat", false));
    assertEquals(502, failed.status());
    assertEquals("upstream_error", failed.error().getString("code"));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  @DisplayName("every probe path answers 200 on a ready node of its role; the API's readiness path said 503 before a worker")
  void probes() {
    List<Probe> probes = DeployKit.probes();
    assertTrue(probes.size() >= 9, "compose and Kubernetes probes: " + probes);
    for (Probe probe : probes) {
      int port = probe.role().equals("api") ? api : workerHttp;
      assertEquals(200, Http.get(port, probe.path()).status(), probe + " answers on a ready " + probe.role() + " node");
      boolean readiness = probe.where().endsWith("readinessProbe") || probe.where().startsWith("compose ");
      if (probe.role().equals("api")) {
        assertEquals(readiness ? 503 : 200, apiBeforeWorkers.get(probe.path()),
            probe + (readiness ? ": not ready while no worker is known" : ": alive from the start"));
      }
    }
  }

  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? \\S+");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");

  /** Metric name → its label names, from Prometheus text. */
  static Map<String, Set<String>> exported(String text) {
    Map<String, Set<String>> metrics = new TreeMap<>();
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.matches()) {
        continue;
      }
      Set<String> labels = metrics.computeIfAbsent(m.group(1), k -> new TreeSet<>());
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.add(l.group(1));
        }
      }
    }
    return metrics;
  }

  @Test
  @DisplayName("every metric and label the Grafana dashboard queries is one genbus exports")
  void grafana() {
    Map<String, Set<String>> exported = exported(Http.get(api, "/metrics").body());
    exported(Http.get(workerHttp, "/metrics").body()).forEach((name, labels) ->
        exported.computeIfAbsent(name, k -> new TreeSet<>()).addAll(labels));
    List<String> queries = DeployKit.grafanaQueries();
    assertTrue(queries.size() >= 10, "the dashboard's queries: " + queries);
    Set<String> used = new TreeSet<>();
    for (String query : queries) {
      PromQl parsed = DeployKit.parse(query);
      assertFalse(parsed.metrics().isEmpty(), "a metric in " + query);
      Set<String> labels = new TreeSet<>();
      for (String metric : parsed.metrics()) {
        assertTrue(exported.containsKey(metric), metric + " (in " + query + ") is not exported; genbus exports "
            + exported.keySet().stream().filter(n -> n.startsWith("genbus_")).toList());
        labels.addAll(exported.get(metric));
        used.add(metric);
      }
      for (String label : parsed.labels()) {
        assertTrue(labels.contains(label), "label " + label + " of " + query + " is not on " + parsed.metrics() + ": " + labels);
      }
    }
    for (String panel : List.of("genbus_queue_depth", "genbus_jobs_total", "genbus_queue_wait_seconds_bucket",
        "genbus_generation_seconds_bucket", "genbus_worker_slots", "genbus_attempt_errors_total")) {
      assertTrue(used.contains(panel), "the dashboard shows " + panel);
    }
  }

  @Test
  @DisplayName("the PromQL reader finds metric and label names, not functions, ranges or variables")
  void promQlReader() {
    PromQl q = DeployKit.parse("histogram_quantile(0.95, sum by (model, le) "
        + "(rate(genbus_generation_seconds_bucket{model=~\"$model\"}[$__rate_interval]))) * 60");
    assertEquals(List.of("genbus_generation_seconds_bucket"), q.metrics());
    assertEquals(List.of("model", "le"), q.labels());
    PromQl v = DeployKit.parse("label_values(genbus_jobs_total, model)");
    assertEquals(List.of("genbus_jobs_total"), v.metrics());
    assertEquals(List.of("model"), v.labels());
  }
}

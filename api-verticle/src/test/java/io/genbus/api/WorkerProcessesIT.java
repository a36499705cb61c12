package io.genbus.api;

import static io.genbus.api.Http.chat;
import static io.genbus.api.Http.chatBody;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Worker nodes as real processes (the built {@code genbus-worker.jar}), killed with SIGKILL and stopped with
 * SIGTERM while they run jobs; the API node runs in the test JVM and is driven over HTTP.
 */
@DisplayName("worker processes that die or are stopped")
class WorkerProcessesIT {

  static final String MODEL = "proc-model";
  static final Pattern READY = Pattern.compile("worker ([0-9a-f-]+)\\\\?/0 ready");

  static TestCluster cluster;
  static String clusterName;
  static int api;
  static ClusterNode apiNode;
  static Path dir;
  static int drainedHttp;
  static final List<Process> processes = new ArrayList<>();
  static final ExecutorService clients = Executors.newCachedThreadPool();

  @BeforeAll
  static void start() throws IOException {
    cluster = new TestCluster();
    clusterName = cluster.name();
    apiNode = cluster.node();
    api = cluster.api(apiNode, apiConfig("keepAliveSeconds: 1\nworkerLostSeconds: 4\nqueue: {buffer: 0}")).port();
    dir = Files.createTempDirectory("genbus-it");
    Files.writeString(dir.resolve("worker.yaml"), """
        worker:
          heartbeatSeconds: 1
          drainSeconds: 20
          backends:
            - {type: local, models: [proc-model], concurrency: 2, size: 32, delayMs: 2000}
        """);
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      drainedHttp = probe.getLocalPort();
    }
    Files.writeString(dir.resolve("drain.yaml"), """
        worker:
          heartbeatSeconds: 1
          drainSeconds: 20
          httpPort: %d
          httpHost: 127.0.0.1
          backends:
            - {type: local, models: [drain-model], concurrency: 1, size: 32, delayMs: 3000}
        """.formatted(drainedHttp));
  }

  @AfterAll
  static void stop() {
    processes.forEach(Process::destroyForcibly);
    clients.shutdownNow();
    cluster.close();
  }

  /** Starts a worker JVM from the jar; returns it with the node id it printed. */
  static WorkerProcess startWorker(String name) throws Exception {
    return startWorker(name, "worker.yaml");
  }

  static WorkerProcess startWorker(String name, String config, String... more) throws Exception {
    Path log = dir.resolve(name + ".log");
    List<String> command = new ArrayList<>(List.of("java", "@" + System.getProperty("genbus.jvmFlags"), "-Xmx256m",
        "-jar", System.getProperty("genbus.workerJar"),
        "--config", dir.resolve(config).toString(), "--cluster-name", clusterName));
    command.addAll(List.of(more));
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    processes.add(process);
    String[] nodeId = new String[1];
    eventually(Duration.ofSeconds(60), name + " ready", () -> {
      assertTrue(process.isAlive(), name + " exited: " + read(log));
      Matcher m = READY.matcher(read(log));
      if (m.find()) {
        nodeId[0] = m.group(1);
        return true;
      }
      return false;
    });
    return new WorkerProcess(process, nodeId[0], log);
  }

  record WorkerProcess(Process process, String nodeId, Path log) {
  }

  static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  static JsonArray workers() {
    return workers(MODEL);
  }

  static JsonArray workers(String model) {
    return Http.get(api, "/v1/status").json().getJsonObject("models").getJsonObject(model, new JsonObject())
        .getJsonArray("workers", new JsonArray());
  }

  @Test
  @DisplayName("a worker on a non-loopback address without --tls refuses to start: exit code 2, saying why")
  void refusesOpenHostWithoutTls() throws Exception {
    Path log = dir.resolve("open.log");
    // Refused while reading the command line: nothing is bound and no packet is sent.
    Process process = new ProcessBuilder("java", "-Djava.awt.headless=true", "-Xmx128m", "-jar",
        System.getProperty("genbus.workerJar"), "--host", "10.231.0.9", "--cluster-name", clusterName)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(process);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "still running: " + read(log));
    assertEquals(2, process.exitValue(), read(log));
    assertTrue(read(log).contains("--host 10.231.0.9 is not a loopback address") && read(log).contains("--tls DIR"), read(log));
  }

  @Test
  @DisplayName("kill -9 of a worker running jobs: every request still ends, none is lost")
  void killNine() throws Exception {
    WorkerProcess victim = startWorker("victim");
    WorkerProcess survivor = startWorker("survivor");
    eventually(Duration.ofSeconds(10), "both workers known", () -> workers().size() == 2);

    List<CompletableFuture<Object>> requests = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      boolean stream = i % 2 == 0;
      String body = chatBody(MODEL, "request " + i, stream);
      requests.add(CompletableFuture.supplyAsync(() -> stream ? Http.stream(api, body) : chat(api, body), clients));
    }
    eventually(Duration.ofSeconds(10), "the victim runs jobs",
        () -> cluster.workerStats(apiNode, victim.nodeId()).running() > 0);
    victim.process().destroyForcibly(); // SIGKILL: no goodbye, no drain
    assertTrue(victim.process().waitFor(10, TimeUnit.SECONDS));

    int ok = 0;
    int lost = 0;
    for (CompletableFuture<Object> request : requests) {
      Object result;
      try {
        result = request.get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        lost++;
        continue;
      }
      if (result instanceof Http.Response response) {
        assertEquals(200, response.status(), response.body()); // no content had reached it: moved to the survivor
        ok++;
      } else {
        List<String> frames = ((Http.Stream) result).texts();
        assertEquals("data: [DONE]", frames.get(frames.size() - 1));
        assertTrue(frames.stream().anyMatch(f -> f.contains("finish_reason\":\"stop") || f.startsWith("data: {\"error\"")));
        ok++;
      }
    }
    assertEquals(0, lost, "requests that never ended");
    assertEquals(8, ok);
    assertTrue(survivor.process().isAlive());
    eventually(Duration.ofSeconds(15), "the victim gone from the status", () -> workers().size() == 1);
  }

  @Test
  @DisplayName("SIGTERM drains a worker: unready at once, its running job finishes, then it leaves and exits")
  void sigtermDrains() throws Exception {
    // the only worker of drain-model; its logs are JSON, one object a line
    WorkerProcess drained = startWorker("drained", "drain.yaml", "--log-format", "json");
    eventually(Duration.ofSeconds(10), "worker known", () -> workers("drain-model").size() == 1);
    CompletableFuture<Http.Response> request = CompletableFuture.supplyAsync(
        () -> chat(api, chatBody("drain-model", "finish me", false)), clients);
    eventually(Duration.ofSeconds(10), "job running on the worker",
        () -> cluster.workerStats(apiNode, drained.nodeId()).running() > 0);
    Http.Response ready = Http.get(drainedHttp, "/health/ready");
    assertEquals(200, ready.status(), ready.body());
    assertTrue(Http.get(drainedHttp, "/metrics").body().contains("genbus_worker_running{node=\"" + drained.nodeId() + "\"} 1.0"));
    drained.process().destroy(); // SIGTERM
    // while its job finishes, the worker's own readiness probe says it is going away
    eventually(Duration.ofSeconds(5), "unready while draining", () -> {
      Http.Response r = Http.get(drainedHttp, "/health/ready");
      return r.status() == 503 && r.json().getString("reason").equals("draining");
    });
    Http.Response response = request.get(30, TimeUnit.SECONDS);
    assertEquals(200, response.status(), response.body());
    assertTrue(drained.process().waitFor(30, TimeUnit.SECONDS), "the worker did not exit");
    List<JsonObject> lines = read(drained.log()).lines().filter(l -> l.startsWith("{")).map(JsonObject::new).toList();
    assertTrue(lines.stream().anyMatch(l -> l.getString("formattedMessage", "").contains("draining")
        && l.getString("level").equals("INFO")), read(drained.log()));
    eventually(Duration.ofSeconds(5), "gone from the status", () -> workers("drain-model").isEmpty());
    assertFalse(drained.process().isAlive());
  }
}

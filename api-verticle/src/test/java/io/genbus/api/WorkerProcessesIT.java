package io.genbus.api;

import static io.genbus.api.Http.chat;
import static io.genbus.api.Http.chatBody;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import io.genbus.testing.LoopbackCluster;
import io.genbus.worker.upstream.FakeUpstream;
import io.genbus.worker.upstream.FakeUpstream.Reply;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Worker nodes as real processes (the built {@code genbus-worker.jar}), killed with SIGKILL and stopped with
 * SIGTERM while they run jobs; the API node runs in the test JVM and is driven over HTTP. The workers' gemini
 * backend calls a fake upstream in the test JVM that holds its answers while the test needs jobs running.
 */
@DisplayName("worker processes that die or are stopped")
class WorkerProcessesIT {

  static final String MODEL = "proc-model";
  /** How long a worker JVM may take to start or to stop: minutes, on a machine this loaded with other builds. */
  static final Duration JVM_START = Duration.ofMinutes(3);
  static final Pattern READY = Pattern.compile("worker ([0-9a-f-]+)\\\\?/0 ready");

  static TestCluster cluster;
  static String clusterName;
  static int api;
  static ClusterNode apiNode;
  static Path dir;
  static FakeUpstream upstream;
  static int drainedHttp;
  static final List<Process> processes = new ArrayList<>();
  static final ExecutorService clients = Executors.newCachedThreadPool();

  @BeforeAll
  static void start() throws Exception {
    upstream = new FakeUpstream();
    byte[] png = Fixtures.png(12, 12);
    upstream.serve("/v1beta/models/" + MODEL + ":generateContent", Reply.json(200, GeminiEndToEndTest.answer(png)));
    upstream.serve("/v1beta/models/drain-model:generateContent", Reply.json(200, GeminiEndToEndTest.answer(png)));
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
            - {type: gemini, models: [proc-model], concurrency: 2, baseUrl: "%s", apiKeys: [test-key]}
        """.formatted(upstream.baseUrl()));
    try (ServerSocket probe = new ServerSocket(0)) {
      drainedHttp = probe.getLocalPort();
    }
    Files.writeString(dir.resolve("drain.yaml"), """
        worker:
          heartbeatSeconds: 1
          drainSeconds: 20
          httpPort: %d
          httpHost: 127.0.0.1
          backends:
            - {type: gemini, models: [drain-model], concurrency: 1, baseUrl: "%s", apiKeys: [test-key]}
        """.formatted(drainedHttp, upstream.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    processes.forEach(Process::destroyForcibly);
    clients.shutdownNow();
    cluster.close();
    upstream.close();
  }

  /** Starts a worker JVM from the jar; returns it with the node id it printed. */
  static WorkerProcess startWorker(String name) throws Exception {
    return startWorker(name, "worker.yaml");
  }

  static WorkerProcess startWorker(String name, String config, String... more) throws Exception {
    Path log = dir.resolve(name + ".log");
    List<String> command = new ArrayList<>(List.of("java", "@" + System.getProperty("genbus.jvmFlags"), "-Xmx256m",
        "-jar", System.getProperty("genbus.workerJar"),
        "--config", dir.resolve(config).toString(), "--cluster-name", clusterName,
        "--members", LoopbackCluster.address(apiNode))); // straight to the API node, whatever else holds 5701–5703
    command.addAll(List.of(more));
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    processes.add(process);
    String[] nodeId = new String[1];
    eventually(JVM_START, name + " ready", () -> {
      assertTrue(process.isAlive(), name + " exited: " + read(log));
      Matcher m = READY.matcher(read(log));
      if (m.find()) {
        nodeId[0] = m.group(1);
        return true;
      }
      return false;
    });
    // started as operators start it (java -jar, no pool flag): the node sized the pool before Hazelcast used it
    assertFalse(read(log).contains("fork-join pool"), read(log));
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
    Process process = new ProcessBuilder("java", "@" + System.getProperty("genbus.jvmFlags"), "-Xmx128m", "-jar",
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
    eventually("both workers known", () -> workers().size() == 2);
    upstream.hold(); // every job runs until the victim is dead

    List<CompletableFuture<Object>> requests = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      boolean stream = i % 2 == 0;
      String body = chatBody(MODEL, "request " + i, stream);
      requests.add(CompletableFuture.supplyAsync(() -> stream ? Http.stream(api, body) : chat(api, body), clients));
    }
    eventually("the victim runs jobs",
        () -> cluster.workerStats(apiNode, victim.nodeId()).running() > 0);
    victim.process().destroyForcibly(); // SIGKILL: no goodbye, no drain
    assertTrue(victim.process().waitFor(60, TimeUnit.SECONDS));
    upstream.release();

    int ok = 0;
    int lost = 0;
    for (CompletableFuture<Object> request : requests) {
      Object result;
      try {
        result = request.get(60, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
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
    eventually("the victim gone from the status", () -> workers().size() == 1);
  }

  @Test
  @DisplayName("SIGTERM drains a worker: unready at once, its running job finishes, then it leaves and exits")
  void sigtermDrains() throws Exception {
    // the only worker of drain-model; its logs are JSON, one object a line
    WorkerProcess drained = startWorker("drained", "drain.yaml", "--log-format", "json");
    eventually("worker known", () -> workers("drain-model").size() == 1);
    upstream.hold(); // the job runs until the test has seen the worker drain
    int calls = upstream.received.size();
    CompletableFuture<Http.Response> request = CompletableFuture.supplyAsync(
        () -> chat(api, chatBody("drain-model", "finish me", false)), clients);
    TestCluster.await(upstream.arrived(calls + 1)); // the job runs: its upstream call is out
    Http.Response ready = Http.get(drainedHttp, "/health/ready");
    assertEquals(200, ready.status(), ready.body());
    assertTrue(Http.get(drainedHttp, "/metrics").body().contains("genbus_worker_running{node=\"" + drained.nodeId() + "\"} 1.0"));
    drained.process().destroy(); // SIGTERM
    // while its job finishes, the worker's own readiness probe says it is going away
    eventually("unready while draining", () -> {
      Http.Response r = Http.get(drainedHttp, "/health/ready");
      return r.status() == 503 && r.json().getString("reason").equals("draining");
    });
    upstream.release();
    Http.Response response = request.get(60, TimeUnit.SECONDS);
    assertEquals(200, response.status(), response.body());
    assertTrue(drained.process().waitFor(JVM_START.toSeconds(), TimeUnit.SECONDS), "the worker did not exit");
    List<JsonObject> lines = read(drained.log()).lines().filter(l -> l.startsWith("{")).map(JsonObject::new).toList();
    assertTrue(lines.stream().anyMatch(l -> l.getString("formattedMessage", "").contains("draining")
        && l.getString("level").equals("INFO")), read(drained.log()));
    eventually("gone from the status", () -> workers("drain-model").isEmpty());
    assertFalse(drained.process().isAlive());
  }
}

package io.genbus.api;

import static io.genbus.api.Http.chatBody;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import io.genbus.protocol.WorkerStats;
import io.genbus.testing.LoopbackCluster;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * An API node as a real process ({@code genbus-api.jar}) killed with SIGKILL while it owns durable jobs, some
 * running on a worker process and some queued: the API node of the test JVM adopts them all.
 */
@DisplayName("API node processes that die with durable jobs")
class ApiProcessesIT {

  static final String MODEL = "jobs-proc";
  static final Pattern WORKER_READY = Pattern.compile("worker ([0-9a-f-]+)\\\\?/0 ready");
  static final Pattern API_READY = Pattern.compile("genbus API listening on http://127\\.0\\.0\\.1:(\\d+)");

  static TestCluster cluster;
  static ClusterNode testNode;
  static int api2;
  static Path dir;
  static final List<Process> processes = new ArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    cluster = new TestCluster();
    testNode = cluster.node();
    api2 = cluster.api(testNode, apiConfig("")).port();
    dir = Files.createTempDirectory("genbus-api-it");
    Files.writeString(dir.resolve("genbus.yaml"), """
        api:
          host: 127.0.0.1
          port: 0
        worker:
          heartbeatSeconds: 1
          backends:
            - {type: local, models: [jobs-proc], concurrency: 2, size: 32, delayMs: 3000}
        """);
  }

  @AfterAll
  static void stop() {
    processes.forEach(Process::destroyForcibly);
    cluster.close();
  }

  /** Starts a node JVM from {@code jar}, joined to the test JVM's member. */
  static NodeProcess startNode(String name, String jar, Pattern ready) throws IOException {
    return NodeProcess.start(name, dir, jar, List.of("--config", dir.resolve("genbus.yaml").toString(),
        "--cluster-name", cluster.name(),
        // the test JVM's member, wherever it is: other clusters on this machine may hold the first ports
        "--members", LoopbackCluster.address(testNode)), ready, processes);
  }

  @Test
  @DisplayName("kill -9 of the API node owning 20 async jobs: all succeed, fetched from the other API node; each ran once")
  void killNineOfTheOwner() throws Exception {
    NodeProcess worker = startNode("worker", System.getProperty("genbus.workerJar"), WORKER_READY);
    NodeProcess api1 = startNode("api1", System.getProperty("genbus.apiJar"), API_READY);
    int port1 = Integer.parseInt(api1.id());
    for (int port : new int[] {port1, api2}) {
      eventually(Duration.ofSeconds(60), "model served on " + port, () -> Http.get(port, "/v1/models").body().contains(MODEL));
    }

    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Http.Response r = Http.post(port1, "/v1/chat/completions", chatBody(MODEL, "job " + i, false),
          "Prefer", "respond-async");
      assertEquals(202, r.status(), r.body());
      ids.add(r.json().getString("id"));
    }
    eventually("two jobs run", () -> cluster.workerStats(testNode, worker.id()).running() == 2);
    api1.process().destroyForcibly(); // SIGKILL: no goodbye; 2 jobs running, 18 queued
    assertTrue(api1.process().waitFor(10, TimeUnit.SECONDS));

    for (String id : ids) {
      JsonObject[] job = new JsonObject[1];
      eventually(Duration.ofSeconds(120), "job " + id + " succeeded", () -> {
        job[0] = Http.get(api2, "/v1/jobs/" + id).json();
        assertTrue(List.of("queued", "running", "succeeded").contains(job[0].getString("status")), job[0].encode());
        return job[0].getString("status").equals("succeeded");
      });
      assertEquals("chat.completion", job[0].getJsonObject("result").getString("object"));
    }
    WorkerStats stats = cluster.workerStats(testNode, worker.id());
    assertEquals(20, stats.completed(), stats + "\n" + NodeProcess.read(worker.log()));
    assertEquals(0, stats.cancelled(), stats.toString());
    assertEquals(0, stats.failed(), stats.toString());
  }
}

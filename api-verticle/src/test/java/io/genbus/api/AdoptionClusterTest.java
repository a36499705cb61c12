package io.genbus.api;

import static io.genbus.api.Http.chatBody;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.testing.Eventually.eventually;
import static io.genbus.api.TestCluster.workerConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.genbus.api.durable.JobRecord;
import io.genbus.api.durable.JobStore;
import io.genbus.cluster.ClusterNode;
import io.genbus.protocol.WorkerStats;
import io.genbus.worker.Gate;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** An API node that crashes with durable jobs running and queued: another API node adopts them all. */
@DisplayName("adoption of a crashed API node's durable jobs")
class AdoptionClusterTest {

  static TestCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = new TestCluster();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Test
  @DisplayName("crash of the owner: the running job keeps its worker, queued ones run in order, each job runs once")
  void crashedOwner() {
    ClusterNode doomed = cluster.node();
    int api1 = cluster.api(doomed, apiConfig("workerLostSeconds: 4")).port();
    ClusterNode survivor = cluster.node();
    int api2 = cluster.api(survivor, apiConfig("workerLostSeconds: 4")).port();
    ClusterNode worker = cluster.worker(workerConfig(
        "heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [adopt-model], concurrency: 1, size: 16, delayMs: 2500}\n"));
    for (int port : new int[] {api1, api2}) {
      eventually("model served", () -> Http.get(port, "/v1/models").body().contains("adopt-model"));
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Http.Response r = Http.post(api1, "/v1/chat/completions", chatBody("adopt-model", "job " + i, false),
          "Prefer", "respond-async");
      assertEquals(202, r.status(), r.body());
      ids.add(r.json().getString("id"));
    }
    eventually("the first runs", () -> cluster.workerStats(survivor, worker).running() == 1);

    cluster.crash(doomed);

    List<Long> finished = new ArrayList<>();
    for (String id : ids) {
      JsonObject[] job = new JsonObject[1];
      eventually(Duration.ofSeconds(60), "job " + id + " done", () -> {
        job[0] = Http.get(api2, "/v1/jobs/" + id).json();
        return job[0].getString("status").equals("succeeded");
      });
      assertEquals(1, job[0].getInteger("attempts"), job[0].encode());
      finished.add(job[0].getLong("completed_at"));
    }
    WorkerStats stats = cluster.workerStats(survivor, worker);
    assertEquals(3, stats.completed(), stats.toString());
    assertEquals(0, stats.cancelled(), stats.toString());
    assertEquals(finished.stream().sorted().toList(), finished, "queued jobs kept their order");
  }

  @Test
  @DisplayName("crash of the owner of an images job of 3: its running parts keep their worker, the queued one runs after; 3 images, each made once")
  void crashedOwnerOfImagesJob() throws Exception {
    Gate gate = new Gate();
    ClusterNode doomed = cluster.node();
    int api1 = cluster.api(doomed, apiConfig("workerLostSeconds: 4")).port();
    ClusterNode survivor = cluster.node();
    int api2 = cluster.api(survivor, apiConfig("workerLostSeconds: 4")).port();
    ClusterNode worker = cluster.worker(workerConfig(
        "heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [adopt-images], concurrency: 2, size: 16}\n"),
        gate.everyBackend());
    for (int port : new int[] {api1, api2}) {
      eventually("model served", () -> Http.get(port, "/v1/models").body().contains("adopt-images"));
    }
    Http.Response accepted = Http.post(api1, "/v1/images/generations",
        new JsonObject().put("model", "adopt-images").put("prompt", "three birds").put("n", 3).encode(),
        "Prefer", "respond-async");
    assertEquals(202, accepted.status(), accepted.body());
    String id = accepted.json().getString("id");
    // two parts run (held at the gate), the third waits in the doomed node's line
    List<Gate.Held> running = List.of(TestCluster.await(gate.next()), TestCluster.await(gate.next()));
    // and the owner has recorded them as running (a part it had not recorded yet would be sent again: see
    // docs/protocol.md, "Durable jobs")
    JobStore store = new JobStore(survivor.vertx(), 60_000, survivor.seal());
    eventually("two parts recorded as running", () -> TestCluster.await(store.record(id)).parts().stream()
        .filter(p -> p.status() == JobRecord.Status.RUNNING).count() == 2);

    cluster.crash(doomed);
    running.get(0).release(); // finishes while nobody owns the job: its worker keeps the image for the adopter
    gate.open();
    running.get(1).release();

    JsonObject[] job = new JsonObject[1];
    eventually(Duration.ofSeconds(60), "job " + id + " done", () -> {
      job[0] = Http.get(api2, "/v1/jobs/" + id).json();
      return job[0].getString("status").equals("succeeded");
    });
    assertEquals(1, job[0].getInteger("attempts"), job[0].encode());
    JsonArray data = job[0].getJsonObject("result").getJsonArray("data");
    assertEquals(3, data.size(), job[0].encode());
    Set<String> distinct = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      byte[] png = Base64.getDecoder().decode(data.getJsonObject(i).getString("b64_json"));
      assertEquals(16, ImageIO.read(new ByteArrayInputStream(png)).getWidth());
      distinct.add(data.getJsonObject(i).getString("b64_json"));
    }
    assertEquals(3, distinct.size(), "three parts, three seeds");
    assertEquals(List.of("three birds", "three birds", "three birds"), gate.prompts(), "each part reached the backend once");
    WorkerStats stats = cluster.workerStats(survivor, worker);
    assertEquals(3, stats.completed(), stats.toString());
    assertEquals(0, stats.cancelled(), stats.toString());
  }

  @Test
  @DisplayName("crash of the owner after a worker accepted the job but before the record said so: the adopter finds it on the worker; it runs once")
  void acceptedButNotRecorded() {
    Gate gate = new Gate();
    ClusterNode doomed = cluster.node();
    int api1 = cluster.api(doomed, apiConfig("workerLostSeconds: 4")).port();
    ClusterNode survivor = cluster.node();
    int api2 = cluster.api(survivor, apiConfig("workerLostSeconds: 4")).port();
    // two workers: a job sent again would find a free slot and run a second time
    String config = "heartbeatSeconds: 1\nbackends:\n  - {type: local, models: [adopt-window], concurrency: 1, size: 16}\n";
    ClusterNode first = cluster.worker(workerConfig(config), gate.everyBackend());
    ClusterNode second = cluster.worker(workerConfig(config), gate.everyBackend());
    for (int port : new int[] {api1, api2}) {
      eventually("model served twice", () -> Http.get(port, "/v1/status").json().getJsonObject("models")
          .getJsonObject("adopt-window", new JsonObject()).getInteger("slots", 0) == 2);
    }
    Http.Response accepted = Http.post(api1, "/v1/chat/completions", chatBody("adopt-window", "one lighthouse", false),
        "Prefer", "respond-async");
    assertEquals(202, accepted.status(), accepted.body());
    String id = accepted.json().getString("id");
    Gate.Held held = TestCluster.await(gate.next());
    JobStore store = new JobStore(survivor.vertx(), 60_000, survivor.seal());
    JobRecord running = eventually("recorded as running", () -> TestCluster.await(store.record(id)),
        r -> r.status() == JobRecord.Status.RUNNING);
    // The record as it stood a moment earlier: the owner had sent the job, the worker had accepted it, and the
    // owner died before writing "running" (a window of milliseconds, widened here by writing the record back).
    JobRecord queued = JobRecord.create(id, running.kind(), running.toApi(null).getString("endpoint"), running.caller(),
        running.model(), running.ownerNode(), running.createdAt(), null, null);
    TestCluster.await(store.put(queued));

    cluster.crash(doomed);
    held.release(); // finishes while nobody owns the job: its worker keeps the result for the adopter

    JsonObject[] job = new JsonObject[1];
    eventually(Duration.ofSeconds(60), "job " + id + " done", () -> {
      job[0] = Http.get(api2, "/v1/jobs/" + id).json();
      return job[0].getString("status").equals("succeeded");
    });
    assertEquals(List.of("one lighthouse"), gate.prompts(), "the job reached a backend once");
    long completed = cluster.workerStats(survivor, first).completed() + cluster.workerStats(survivor, second).completed();
    assertEquals(1L, completed, "generated once");
  }
}

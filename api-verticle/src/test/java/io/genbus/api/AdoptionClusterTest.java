package io.genbus.api;

import static io.genbus.api.Http.chatBody;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.testing.Eventually.eventually;
import static io.genbus.api.TestCluster.workerConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.genbus.cluster.ClusterNode;
import io.genbus.protocol.WorkerStats;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
}

package io.genbus.api;

import static io.genbus.api.EventBusClientClusterTest.png;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.await;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.genbus.client.GenbusClient;
import io.genbus.client.GenbusEvent;
import io.genbus.client.GenbusRequest;
import io.genbus.cluster.ClusterNode;
import io.genbus.protocol.WorkerStats;
import io.vertx.core.Promise;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The API node that accepted an application's job crashes while the job runs: the application still gets it. */
@DisplayName("event-bus integration: the accepting API node's crash")
class EventBusFailoverClusterTest {

  static final String MODEL = "bus-failover";
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
  @DisplayName("kill of the accepting API node mid-job: the job completes once, the stream ends with its image")
  void acceptingNodeCrashes() throws IOException {
    String config = "workerLostSeconds: 4\ntenants:\n  - {name: acme, keys: [sk-acme]}\n";
    ClusterNode doomed = cluster.node();
    int api1 = cluster.api(doomed, apiConfig(config)).port();
    ClusterNode worker = cluster.worker(workerConfig("heartbeatSeconds: 1\nbackends:\n  - {type: local, models: ["
        + MODEL + "], concurrency: 1, size: 40, delayMs: 3000}\n"));
    eventually("model served", () -> Http.get(api1, "/v1/models", "Authorization", "Bearer sk-acme").body()
        .contains(MODEL));
    ClusterNode app = cluster.node();

    // The only API node accepts the job; the stream tells when it runs.
    Promise<Void> running = Promise.promise();
    Promise<List<GenbusEvent>> events = Promise.promise();
    List<GenbusEvent> all = new ArrayList<>();
    GenbusClient.create(app.vertx(), "sk-acme").stream(GenbusRequest.chat(MODEL, "a lighthouse in a storm"))
        .exceptionHandler(events::tryFail)
        .endHandler(v -> events.tryComplete(all))
        .handler(e -> {
          all.add(e);
          if (e.type() == GenbusEvent.Type.STATUS && e.status().equals("running")) {
            running.tryComplete();
          }
        });
    await(running.future());
    cluster.api(cluster.node(), apiConfig(config)); // a survivor to adopt it
    cluster.crash(doomed);

    await(events.future());
    GenbusEvent last = all.get(all.size() - 1);
    assertEquals(GenbusEvent.Type.DONE, last.type(), all.toString());
    List<GenbusEvent> images = all.stream().filter(e -> e.type() == GenbusEvent.Type.IMAGE).toList();
    assertEquals(1, images.size(), all.toString());
    assertEquals(40, png(images.get(0).data()).getWidth());
    WorkerStats stats = cluster.workerStats(app, worker);
    assertEquals(1, stats.completed(), "generated once, not again after the crash: " + stats);
    assertEquals(0, stats.cancelled(), stats.toString());
  }
}

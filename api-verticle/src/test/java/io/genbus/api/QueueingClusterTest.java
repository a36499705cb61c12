package io.genbus.api;

import static io.genbus.api.Http.chat;
import static io.genbus.api.Http.chatBody;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.await;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterNode;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.WorkerStats;
import io.genbus.worker.Gate;
import io.genbus.worker.GenerationException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Queueing, slots, time limits and failover over real clustered nodes on loopback. Each test uses models
 * of its own, so the tests do not share slots. Where a test needs jobs to run (or wait) while it looks, its
 * worker holds them at a {@link Gate} until the test lets them finish: no test guesses how long a job takes.
 */
@DisplayName("queueing, capacity and failover")
class QueueingClusterTest {

  static TestCluster cluster;
  static ClusterNode apiNode;
  static int api;
  static int roundRobin;
  static int impatient;
  static int unlimited;
  static ExecutorService clients = Executors.newCachedThreadPool();

  @BeforeAll
  static void startCluster() {
    cluster = new TestCluster();
    apiNode = cluster.node();
    api = cluster.api(apiNode, apiConfig("keepAliveSeconds: 1\nqueue: {buffer: 2}")).port();
    roundRobin = cluster.api(apiNode, apiConfig("dispatch: {strategy: round_robin}")).port();
    impatient = cluster.api(apiNode, apiConfig("keepAliveSeconds: 1\nqueue: {buffer: 0, maxWaitSeconds: 1}")).port();
    unlimited = cluster.api(apiNode, apiConfig("queue: {buffer: 0}")).port();
  }

  @AfterAll
  static void stopCluster() {
    clients.shutdownNow();
    cluster.close();
  }

  static <T> CompletableFuture<T> async(Supplier<T> call) {
    return CompletableFuture.supplyAsync(call, clients);
  }

  static JsonObject status(int port, String model) {
    return Http.get(port, "/v1/status").json().getJsonObject("models").getJsonObject(model, new JsonObject());
  }

  static String config(String model, int concurrency, String extra) {
    return "heartbeatSeconds: 1\n" + extra + "backends:\n  - {type: local, models: [" + model + "], concurrency: "
        + concurrency + ", size: 32}\n";
  }

  /** A worker node running {@code model} on the local backend, once every API verticle lists it. */
  static ClusterNode worker(String model, int concurrency, String extra) {
    return listed(model, cluster.worker(workerConfig(config(model, concurrency, extra))));
  }

  /** A worker node running {@code model}, its jobs held at {@code gate}, once every API verticle lists it. */
  static ClusterNode worker(String model, int concurrency, String extra, Gate gate) {
    return listed(model, cluster.worker(workerConfig(config(model, concurrency, extra)), gate.everyBackend()));
  }

  private static ClusterNode listed(String model, ClusterNode node) {
    eventually(model + " listed", () -> GatewayClusterTest.modelIds(api).contains(model)
        && GatewayClusterTest.modelIds(roundRobin).contains(model) && GatewayClusterTest.modelIds(impatient).contains(model)
        && GatewayClusterTest.modelIds(unlimited).contains(model));
    return node;
  }

  @Test
  @DisplayName("one slot, buffer 2: the 4th concurrent non-streaming request gets 429 QUEUE_FULL with Retry-After; a stream still waits")
  void queueFull() throws Exception {
    Gate gate = new Gate();
    worker("full-model", 1, "", gate);
    List<CompletableFuture<Http.Response>> first = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      first.add(async(() -> chat(api, chatBody("full-model", "a cat", false))));
    }
    eventually("1 running, 2 waiting", () -> {
      JsonObject s = status(api, "full-model");
      return s.getInteger("running", 0) == 1 && s.getInteger("waiting", 0) == 2;
    });
    Http.Response refused = chat(api, chatBody("full-model", "a cat", false));
    GatewayClusterTest.assertError(refused, 429, "rate_limit_exceeded", "QUEUE_FULL", null);
    assertTrue(Integer.parseInt(refused.header("Retry-After")) >= 1, "Retry-After: " + refused.header("Retry-After"));
    try (Http.LiveStream stream = Http.open(api, chatBody("full-model", "a patient cat", true))) {
      stream.next(); // the role chunk
      assertTrue(stream.next().text().startsWith(": keep-alive queued="), "a queued keep-alive");
      gate.open();
      List<String> frames = stream.rest().texts();
      assertEquals("data: [DONE]", frames.get(frames.size() - 1));
      assertTrue(frames.get(frames.size() - 2).contains("finish_reason\":\"stop"), "it got its image: " + frames);
    }
    for (CompletableFuture<Http.Response> f : first) {
      assertEquals(200, f.get(30, TimeUnit.SECONDS).status());
    }
  }

  @Test
  @DisplayName("20 concurrent streams on one slot: all end with [DONE], in arrival order, each with keep-alives while queued")
  void twentyStreams() throws Exception {
    Gate gate = new Gate(); // the first job holds the slot until all 20 are in line
    worker("fifo-model", 1, "", gate);
    List<CompletableFuture<Http.Stream>> streams = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String body = chatBody("fifo-model", "stream number " + i, true);
      streams.add(async(() -> Http.stream(api, body)));
      int submitted = i + 1;
      // the next one is sent once this one is in line, so arrival order is known
      eventually("request " + i + " admitted", () -> {
        JsonObject s = status(api, "fifo-model");
        return s.getInteger("waiting", 0) + s.getInteger("running", 0) >= submitted;
      });
    }
    gate.open();
    List<String> sentOrder = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Http.Stream stream = streams.get(i).get(60, TimeUnit.SECONDS);
      List<String> texts = stream.texts();
      assertEquals(200, stream.head().status());
      assertEquals("data: [DONE]", texts.get(texts.size() - 1), "stream " + i);
      assertTrue(texts.stream().anyMatch(t -> t.contains("finish_reason\":\"stop")), "stream " + i + " got its image");
      sentOrder.add(new JsonObject(texts.get(0).substring(6)).getString("id").substring("chatcmpl-".length()));
      if (i > 0) {
        assertTrue(texts.stream().anyMatch(t -> t.startsWith(": keep-alive queued=")), "stream " + i + " had no queued keep-alive: " + texts);
      }
    }
    // Served in arrival order: on one slot, the order the worker got them in is the order they ran in.
    assertEquals(IntStream.range(0, 20).mapToObj(i -> "stream number " + i).toList(), gate.prompts(),
        "the worker got them in arrival order");
    // All of them recorded as ended on the API node. Not necessarily in that order: a job answered by its final
    // event as the reply (Job.finalAsReply) and the previous job's DONE, sent to the events address, take
    // different paths through the event bus, so the API node may read them either way round.
    Set<String> ended = Http.get(api, "/v1/status").json().getJsonArray("recentJobs").stream()
        .map(JsonObject.class::cast).filter(j -> j.getString("model").equals("fifo-model"))
        .map(j -> j.getString("id")).collect(Collectors.toSet());
    assertEquals(Set.copyOf(sentOrder), ended);
  }

  @Test
  @DisplayName("two workers with 1 and 2 slots: never more jobs than slots, and both are used")
  void slotsAcrossWorkers() throws Exception {
    Gate gateOne = new Gate();
    Gate gateTwo = new Gate();
    ClusterNode one = worker("pool-model", 1, "", gateOne);
    ClusterNode two = worker("pool-model", 2, "", gateTwo);
    eventually("both workers known", () -> status(unlimited, "pool-model").getInteger("slots", 0) == 3);
    List<CompletableFuture<Http.Response>> all = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      all.add(async(() -> chat(unlimited, chatBody("pool-model", "a cat", false))));
    }
    // every slot taken, the rest waiting: the gates hold the running jobs until all are in
    await(gateOne.next());
    await(gateTwo.next());
    await(gateTwo.next());
    eventually("12 waiting", () -> status(unlimited, "pool-model").getInteger("waiting", 0) == 12);
    gateOne.open();
    gateTwo.open();
    for (CompletableFuture<Http.Response> f : all) {
      assertEquals(200, f.get(30, TimeUnit.SECONDS).status());
    }
    WorkerStats s1 = cluster.workerStats(apiNode, one);
    WorkerStats s2 = cluster.workerStats(apiNode, two);
    assertFalse(s1.overbooked());
    assertFalse(s2.overbooked());
    assertTrue(s1.peakRunning() <= 1, "worker 1 ran " + s1.peakRunning() + " at once");
    assertTrue(s2.peakRunning() <= 2, "worker 2 ran " + s2.peakRunning() + " at once");
    assertEquals(15, s1.completed() + s2.completed());
    assertTrue(s1.completed() > 0 && s2.completed() > 0, "both used: " + s1.completed() + " / " + s2.completed());
    assertEquals(2, s2.peakRunning(), "the 2-slot worker used both slots");
  }

  @Test
  @DisplayName("round_robin takes each worker in turn")
  void roundRobin() {
    ClusterNode a = worker("rr-model", 2, "");
    ClusterNode b = worker("rr-model", 2, "");
    eventually("both workers known", () -> status(roundRobin, "rr-model").getInteger("slots", 0) == 4);
    for (int i = 0; i < 6; i++) {
      assertEquals(200, chat(roundRobin, chatBody("rr-model", "turn " + i, false)).status());
    }
    assertEquals(3, cluster.workerStats(apiNode, a).completed());
    assertEquals(3, cluster.workerStats(apiNode, b).completed());
  }

  @Test
  @DisplayName("queue.maxWaitSeconds ends a waiting request with 429 queue_timeout (and a stream with an error frame)")
  void maxWait() throws Exception {
    Gate gate = new Gate(); // the first job holds the only slot for as long as the test needs
    worker("wait-model", 1, "", gate);
    CompletableFuture<Http.Response> running = async(() -> chat(impatient, chatBody("wait-model", "first", false)));
    Gate.Held first = await(gate.arrival("first"));
    long start = System.nanoTime();
    Http.Response waited = chat(impatient, chatBody("wait-model", "second", false));
    long ms = (System.nanoTime() - start) / 1_000_000;
    GatewayClusterTest.assertError(waited, 429, "rate_limit_exceeded", "queue_timeout", null);
    // The slot never came free, so only the wait limit can have ended it; a limit never strikes early.
    assertTrue(ms >= 1000, "gave up after " + ms + " ms, before maxWaitSeconds: 1");
    List<String> stream = Http.stream(impatient, chatBody("wait-model", "third", true)).texts();
    assertTrue(stream.get(stream.size() - 2).contains("\"code\":\"queue_timeout\""), "error frame: " + stream);
    assertEquals("data: [DONE]", stream.get(stream.size() - 1));
    first.release();
    assertEquals(200, running.get(30, TimeUnit.SECONDS).status());
    assertEquals(List.of("first"), gate.prompts(), "the timed-out requests never reached the worker");
  }

  @Test
  @DisplayName("worker.jobTimeoutSeconds ends a long generation with 504 job_timeout, not sooner")
  void jobTimeout() throws Exception {
    Gate gate = new Gate(); // never opened: only the time limit can end the job
    worker("slowpoke-model", 1, "jobTimeoutSeconds: 1\n", gate);
    long start = System.nanoTime();
    Http.Response response = chat(api, chatBody("slowpoke-model", "forever", false));
    long ms = (System.nanoTime() - start) / 1_000_000;
    GatewayClusterTest.assertError(response, 504, "api_error", "job_timeout", null);
    assertTrue(ms >= 1000, "took " + ms + " ms, less than jobTimeoutSeconds: 1");
    await(await(gate.arrival("forever")).cancelled()); // and the backend was told to stop
  }

  @Test
  @DisplayName("a queued client that disconnects leaves the line; the job never runs")
  void disconnectQueued() throws Exception {
    Gate gate = new Gate();
    ClusterNode node = worker("leave-model", 1, "", gate);
    CompletableFuture<Http.Response> first = async(() -> chat(api, chatBody("leave-model", "first", false)));
    Gate.Held running = await(gate.arrival("first"));
    GatewayClusterTest.disconnectWhileQueued(api, chatBody("leave-model", "second", true),
        () -> status(api, "leave-model").getInteger("waiting", 0) == 1);
    eventually("line empty", () -> status(api, "leave-model").getInteger("waiting", 0) == 0);
    // One more behind the running job: when the slot frees, the line's next job runs, which must be this one.
    CompletableFuture<Http.Response> third = async(() -> chat(api, chatBody("leave-model", "third", false)));
    eventually("third in line", () -> status(api, "leave-model").getInteger("waiting", 0) == 1);
    running.release();
    await(gate.arrival("third")).release();
    assertEquals(200, first.get(30, TimeUnit.SECONDS).status());
    assertEquals(200, third.get(30, TimeUnit.SECONDS).status());
    assertEquals(List.of("first", "third"), gate.prompts(), "the job that left the line reached the worker");
    WorkerStats stats = cluster.workerStats(apiNode, node);
    assertEquals(2, stats.completed());
    assertEquals(0, stats.running());
  }

  @Test
  @DisplayName("a retryable backend failure moves the job to another worker")
  void retryableFailover() {
    AtomicInteger failures = new AtomicInteger();
    ClusterNode flaky = cluster.worker(workerConfig("backends:\n  - {type: local, models: [flaky-model], concurrency: 2, size: 32}\n"),
        (vertx, backend) -> (request, cancellation) -> {
          failures.incrementAndGet();
          return Future.failedFuture(new GenerationException(ErrorCode.GENERATION_FAILED, "upstream 503"));
        });
    worker("flaky-model", 2, "");
    eventually("both workers known", () -> status(api, "flaky-model").getInteger("slots", 0) == 4);
    for (int i = 0; i < 4; i++) {
      Http.Response response = chat(api, chatBody("flaky-model", "try " + i, false));
      assertEquals(200, response.status(), response.body());
    }
    assertTrue(failures.get() > 0, "the flaky worker was never tried");
    assertEquals(failures.get(), cluster.workerStats(apiNode, flaky).failed());
  }

  @Test
  @DisplayName("a worker that crashes mid-job: the job moves to another worker, the client gets its image")
  void crashFailover() throws Exception {
    // Moved because the cluster says the worker left, never because a heartbeat was late: a crash stalls the
    // event bus of the survivors too until it is noticed, and a short silence limit would then move the
    // survivor's own job as well.
    int port = cluster.api(apiNode, apiConfig("workerLostSeconds: 120")).port();
    Gate gateA = new Gate();
    Gate gateB = new Gate();
    ClusterNode a = worker("crash-model", 1, "", gateA);
    ClusterNode b = worker("crash-model", 1, "", gateB);
    eventually("both workers known", () -> status(port, "crash-model").getInteger("slots", 0) == 2);
    CompletableFuture<Http.Response> r1 = async(() -> chat(port, chatBody("crash-model", "one", false)));
    CompletableFuture<Http.Response> r2 = async(() -> chat(port, chatBody("crash-model", "two", false)));
    String onA = await(gateA.next()).request().prompt(); // one job runs on each worker
    await(gateB.next());
    cluster.crash(a);
    gateB.open(); // b finishes its own job, then the one that lost its worker
    assertEquals(200, r1.get(60, TimeUnit.SECONDS).status());
    assertEquals(200, r2.get(60, TimeUnit.SECONDS).status());
    assertTrue(gateB.prompts().contains(onA), "the job of the crashed worker ran on the other: " + gateB.prompts());
    assertEquals(2, cluster.workerStats(apiNode, b).completed());
  }

  @Test
  @DisplayName("an API node that dies: its worker cancels the job within seconds and frees the slot")
  void apiNodeDeath() throws Exception {
    Gate gate = new Gate(); // never opened: the job runs until someone stops it
    ClusterNode worker = worker("orphan-model", 1, "", gate);
    ClusterNode doomed = cluster.node();
    int port = cluster.api(doomed, apiConfig("")).port();
    eventually("listed on the doomed node", () -> GatewayClusterTest.modelIds(port).contains("orphan-model"));
    async(() -> {
      try {
        return chat(port, chatBody("orphan-model", "never answered", false));
      } catch (RuntimeException e) {
        return null; // the node dies under it
      }
    });
    Gate.Held job = await(gate.arrival("never answered"));
    cluster.crash(doomed);
    await(job.cancelled());
    WorkerStats s = cluster.workerStats(apiNode, worker);
    assertEquals(0, s.running());
    assertEquals(1, s.cancelled());
  }

  @Test
  @DisplayName("stopping an API verticle drains: the open stream finishes, new connections are refused")
  void apiDrain() throws Exception {
    Gate gate = new Gate();
    worker("drain-api-model", 1, "", gate);
    ApiVerticle leaving = cluster.api(apiNode, apiConfig("keepAliveSeconds: 1\ndrainSeconds: 30"));
    int port = leaving.port();
    eventually("listed", () -> GatewayClusterTest.modelIds(port).contains("drain-api-model"));
    try (Http.LiveStream open = Http.open(port, chatBody("drain-api-model", "last one", true))) {
      Gate.Held job = await(gate.arrival("last one"));
      Future<Void> undeployed = apiNode.vertx().undeploy(leaving.deploymentId());
      // the listener closes as the stop begins; the open stream goes on meanwhile (its job is held)
      eventually("new connections refused", () -> refused(port));
      assertFalse(undeployed.isComplete(), "stopped before the open stream finished");
      job.release();
      List<String> frames = open.rest().texts();
      assertTrue(frames.get(frames.size() - 2).contains("finish_reason\":\"stop"), "finished normally: " + frames);
      assertEquals("data: [DONE]", frames.get(frames.size() - 1));
      await(undeployed);
    }
    assertThrows(IllegalStateException.class, () -> Http.get(port, "/v1/models"), "still refused");
  }

  private static boolean refused(int port) {
    try {
      Http.get(port, "/v1/models");
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }

  @Test
  @DisplayName("models do not block each other: 1,000 waiting jobs of one model, another model still answers")
  void modelsIndependent() throws Exception {
    Gate crowdGate = new Gate(); // never opened: the crowd cannot move while the other model is asked
    worker("crowded-model", 1, "", crowdGate);
    worker("quiet-model", 1, "");
    Vertx client = Vertx.vertx();
    try {
      HttpClient http = client.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(unlimited),
          new PoolOptions().setHttp1MaxSize(1000));
      for (int i = 0; i < 1000; i++) {
        Buffer body = Buffer.buffer(chatBody("crowded-model", "crowd " + i, true));
        http.request(HttpMethod.POST, "/v1/chat/completions")
            .compose(req -> req.putHeader("Content-Type", "application/json").send(body));
      }
      eventually("999 waiting", () -> status(unlimited, "crowded-model").getInteger("waiting", 0) == 999);
      Http.Response quiet = chat(unlimited, chatBody("quiet-model", "no waiting here", false));
      assertEquals(200, quiet.status());
      JsonObject crowd = status(unlimited, "crowded-model");
      assertEquals(999, crowd.getInteger("waiting"), "the crowd is still in line: the other model did not wait for it");
      assertEquals(1, crowd.getInteger("running"));
    } finally {
      TestCluster.await(client.close()); // 1,000 clients leave at once
    }
    eventually("the crowd left the line", () -> {
      JsonObject s = status(unlimited, "crowded-model");
      return s.getInteger("waiting", 0) == 0 && s.getInteger("running", 0) == 0;
    });
  }

  @Test
  @DisplayName("/v1/status shows waiting, running, slots, workers and nodes")
  void status() {
    ClusterNode node = worker("status-model", 3, "");
    JsonObject body = Http.get(api, "/v1/status").json();
    assertTrue(body.getJsonArray("nodes").contains(node.nodeId()));
    assertTrue(body.getJsonArray("nodes").contains(apiNode.nodeId()));
    JsonObject model = body.getJsonObject("models").getJsonObject("status-model");
    assertEquals(0, model.getInteger("waiting"));
    assertEquals(0, model.getInteger("running"));
    assertEquals(3, model.getInteger("slots"));
    JsonObject w = model.getJsonArray("workers").getJsonObject(0);
    assertEquals(node.nodeId(), w.getString("node"));
    assertEquals("local", w.getString("backend"));
    assertEquals(3, w.getInteger("free"));
    assertEquals(0, w.getInteger("busy"));
  }
}

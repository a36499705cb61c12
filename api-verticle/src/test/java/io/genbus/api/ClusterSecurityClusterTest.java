package io.genbus.api;

import static io.genbus.api.GatewayClusterTest.assertError;
import static io.genbus.api.Http.chat;
import static io.genbus.api.TestCluster.apiConfig;
import static io.genbus.api.TestCluster.await;
import static io.genbus.api.TestCluster.workerConfig;
import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.cluster.ClusterCerts;
import io.genbus.cluster.ClusterNode;
import io.genbus.cluster.ClusterSeal;
import io.genbus.cluster.ClusterTls;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.StatusRequest;
import io.genbus.protocol.WorkerInfo;
import io.genbus.worker.WorkerMain;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.SocketException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster plane with strangers in it, on loopback: nodes with the cluster's certificates form a cluster and
 * run jobs over mutual TLS; a Hazelcast member with another CA's certificate, or none, joins Hazelcast (it has no
 * authentication) but exchanges no event-bus message with the cluster, and what it reads or writes in the maps
 * gives it nothing. The same with real processes on separate hosts: {@code ClusterHostsIT}.
 */
@DisplayName("a cluster with TLS, and strangers in its Hazelcast cluster")
class ClusterSecurityClusterTest {

  static final String MODEL = "tls-model";
  static final Pattern IMAGE_URL = Pattern.compile("!\\[generated]\\(http://[^/]+/v1/images/([0-9a-f]{32}\\.png)\\)");

  @TempDir
  static Path dir;
  static TestCluster cluster;
  static ClusterNode apiNode;
  static ClusterNode workerNode;
  /** A Hazelcast member with certificates of another CA (and another cluster secret). */
  static ClusterNode foreign;
  /** A Hazelcast member with no TLS material at all. */
  static ClusterNode plain;
  static int api;
  static int urlApi;

  @BeforeAll
  static void start() {
    ClusterCerts.create(dir.resolve("cluster"), List.of(), 30, null);
    ClusterCerts.create(dir.resolve("other"), List.of(), 30, null);
    ClusterTls tls = ClusterTls.load(dir.resolve("cluster"));
    cluster = new TestCluster();
    apiNode = cluster.node(tls);
    api = cluster.api(apiNode, apiConfig("")).port();
    urlApi = cluster.api(apiNode, apiConfig("images: {output: url}")).port();
    workerNode = cluster.node(tls);
    await(WorkerMain.deploy(workerNode,
        workerConfig("backends:\n  - {type: local, models: [" + MODEL + "], concurrency: 2, size: 32}\n")));
    foreign = cluster.node(ClusterTls.load(dir.resolve("other")));
    plain = cluster.node(null);
    eventually("the worker listed", () -> models().equals(List.of(MODEL)));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static List<String> models() {
    return Http.get(api, "/v1/models").json().getJsonArray("data").stream()
        .map(m -> ((JsonObject) m).getString("id")).toList();
  }

  static double rejected(String map) {
    Matcher m = Pattern.compile("genbus_cluster_rejected_entries_total\\{map=\"" + Pattern.quote(map) + "\"[^}]*} (\\S+)")
        .matcher(Http.get(api, "/metrics").body());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  @DisplayName("nodes with the cluster's certificates run a job over TLS; a plain client of the bus port is dropped")
  void jobOverTls() throws Exception {
    Http.Response response = chat(api, Http.chatBody(MODEL, "a cat", false));
    assertEquals(200, response.status(), response.body());
    assertTrue(response.body().contains("data:image/png;base64,"), response.body());

    // The frame header that made an open bus buffer 2 GiB: over TLS it is not even a TLS record.
    try (Socket socket = new Socket("127.0.0.1", apiNode.clusterManager().getNodeInfo().port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      int written = 0;
      try {
        out.write(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0});
        for (; written < 64; written++) {
          out.write(new byte[16 * 1024]);
        }
      } catch (SocketException e) {
        // dropped while writing: what we want
      }
      assertTrue(closedByPeer(socket.getInputStream()), "the node kept the connection of a client without TLS");
    }
  }

  static boolean closedByPeer(InputStream in) throws IOException {
    try {
      return in.read() == -1;
    } catch (SocketException e) {
      return true; // reset
    }
  }

  @Test
  @DisplayName("a node with another CA's certificate, or with none, exchanges no event-bus message with the cluster")
  void strangersAreCutOff() {
    // To a stranger: its certificate is refused at the handshake. (To a member without TLS the handshake can
    // only time out, after 10 s: ClusterHostsIT shows that with a rogue member on another host.)
    AtomicInteger received = new AtomicInteger();
    String address = "genbus.test.strangers";
    await(foreign.vertx().eventBus().consumer(address, msg -> received.incrementAndGet()).completion());
    List<Future<?>> attempts = new ArrayList<>();
    attempts.add(apiNode.vertx().eventBus().request(address, "a prompt", new DeliveryOptions().setSendTimeout(20_000)));
    // From a stranger, to a worker: a status request, and something on its job address.
    String control = Addresses.workerControl(workerNode.nodeId());
    for (ClusterNode stranger : List.of(foreign, plain)) {
      attempts.add(stranger.vertx().eventBus().request(control, new StatusRequest(), new DeliveryOptions().setSendTimeout(20_000)));
      attempts.add(stranger.vertx().eventBus().request(Addresses.model(MODEL, workerNode.nodeId() + "/0"), "not a job",
          new DeliveryOptions().setSendTimeout(20_000)));
    }
    for (Future<?> attempt : attempts) {
      Throwable failure = await(attempt.map(v -> (Throwable) null).otherwise(err -> err));
      assertTrue(failure != null, "a message crossed between the cluster and a stranger");
    }
    assertEquals(0, received.get(), "a stranger received a message");
    assertEquals(200, chat(api, Http.chatBody(MODEL, "still there?", false)).status());
  }

  @Test
  @DisplayName("a stored image is sealed in the Hazelcast map: a member finds neither its name nor its bytes; tampered, it answers 404")
  void imagesAreSealed() {
    Http.Response response = chat(urlApi, Http.chatBody(MODEL, "a sealed cat", false));
    assertEquals(200, response.status(), response.body());
    Matcher m = IMAGE_URL.matcher(response.json().getJsonArray("choices").getJsonObject(0)
        .getJsonObject("message").getString("content"));
    assertTrue(m.find(), response.body());
    String name = m.group(1);
    HttpBytes image = HttpBytes.get(urlApi, "/v1/images/" + name);
    assertEquals(200, image.status());
    assertTrue(image.startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'}));

    AsyncMap<String, Object> images = await(plain.vertx().sharedData().getAsyncMap(Addresses.IMAGES_MAP));
    // The name is the permission to fetch the image: a member listing the keys must not learn it.
    List<String> keys = List.copyOf(await(images.keys()));
    assertEquals(1, keys.size(), keys.toString());
    String key = keys.get(0);
    assertTrue(!key.contains(name.substring(0, 32)), key);
    Buffer raw = (Buffer) await(images.get(key));
    assertEquals(image.body().length + 1 + 12 + 16, raw.length(), "version, nonce, ciphertext, tag");
    assertEquals(-1, indexOf(raw.getBytes(), Arrays.copyOfRange(image.body(), 0, 8)), "the PNG signature");
    assertEquals(-1, indexOf(raw.getBytes(), Arrays.copyOfRange(image.body(), 16, 48)), "image bytes");

    double before = rejected(Addresses.IMAGES_MAP);
    Buffer tampered = raw.copy();
    tampered.setByte(40, (byte) (tampered.getByte(40) ^ 0x01));
    await(images.put(key, tampered, 60_000));
    assertError(Http.get(urlApi, "/v1/images/" + name), 404, "invalid_request_error", "image_not_found", null);
    assertEquals(before + 1, rejected(Addresses.IMAGES_MAP));
  }

  @Test
  @DisplayName("forged and garbage genbus.workers entries are ignored and counted; the real worker stays listed and serves")
  void forgedWorkers() {
    String stranger = plain.nodeId();
    String realId = workerNode.nodeId() + "/0";
    WorkerInfo fake = new WorkerInfo(stranger + "/0", stranger, "local", List.of(MODEL, "rogue-model"), 64,
        Addresses.workerControl(stranger));
    AsyncMap<String, Object> workers = await(plain.vertx().sharedData().getAsyncMap(Addresses.WORKERS_MAP));
    Object realEntry = await(workers.get(realId));
    byte[] noise = new byte[64];
    new SecureRandom().nextBytes(noise);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    byte[] otherSecret = new byte[32];
    new SecureRandom().nextBytes(otherSecret);
    double before = rejected(Addresses.WORKERS_MAP);
    await(Future.all(List.of(
        workers.put(stranger + "/0", JsonObject.mapFrom(fake)),                      // the old, unsealed format
        workers.put(stranger + "/1", ClusterSeal.plain(registry).seal(Addresses.WORKERS_MAP, stranger + "/1", fake.toJson())),
        workers.put(stranger + "/2", ClusterSeal.withSecret(otherSecret, registry)
            .seal(Addresses.WORKERS_MAP, stranger + "/2", fake.toJson())),          // another cluster's secret
        workers.put(stranger + "/3", realEntry),                                      // the real worker's entry, replayed elsewhere
        workers.put("garbage", Buffer.buffer(noise)),
        workers.put("text", "hello"))));
    // A value no member can even deserialize: reading all entries at once fails, so they are read one by one.
    plain.clusterManager().getHazelcastInstance().getMap(Addresses.WORKERS_MAP).put("poison", new Poison());
    eventually("every bad entry seen", () -> rejected(Addresses.WORKERS_MAP) >= before + 7);
    assertEquals(List.of(MODEL), models());
    JsonObject status = Http.get(api, "/v1/status").json().getJsonObject("models").getJsonObject(MODEL);
    assertEquals(List.of(realId), status.getJsonArray("workers").stream()
        .map(w -> ((JsonObject) w).getString("workerId")).toList(), status.encode());
    assertError(chat(api, Http.chatBody("rogue-model", "a cat", false)), 400, "invalid_request_error", "MODEL_NOT_FOUND", "model");
    for (int i = 0; i < 3; i++) {
      assertEquals(200, chat(api, Http.chatBody(MODEL, "cat " + i, false)).status());
    }
  }

  /** Its deserialization always fails: a stranger's poison entry. */
  static final class Poison implements Serializable {
    private static final long serialVersionUID = 1L;

    private void readObject(ObjectInputStream in) throws IOException {
      throw new InvalidObjectException("poison");
    }
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** A GET whose body is kept as bytes. */
  record HttpBytes(int status, byte[] body) {
    static HttpBytes get(int port, String path) {
      try {
        HttpResponse<byte[]> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        return new HttpBytes(response.statusCode(), response.body());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    boolean startsWith(byte[] prefix) {
      return body.length >= prefix.length && Arrays.equals(body, 0, prefix.length, prefix, 0, prefix.length);
    }
  }
}

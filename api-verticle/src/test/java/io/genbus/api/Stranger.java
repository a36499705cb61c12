package io.genbus.api;

import io.genbus.cluster.ClusterNode;
import io.genbus.cluster.ClusterOptions;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.StatusRequest;
import io.genbus.protocol.WorkerInfo;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a stranger on the cluster's network does, as a process of its own ({@code ClusterHostsIT} runs it on a
 * third host). Prints one JSON object per line on stdout.
 *
 * <ul>
 *   <li>{@code bomb HOST PORT SECONDS}: the frame bomb against an event-bus port: the 4-byte frame header
 *       {@code 7f ff ff f0} (a 2 GiB message) then zeros, reconnecting whenever the node drops it, for SECONDS.
 *   <li>{@code rogue HOST MEMBERS CLUSTER MODEL}: a plain Vert.x/Hazelcast member (the cluster's name, no TLS
 *       material) that writes a fake worker entry serving MODEL, registers consumers on MODEL's job address of
 *       every announced worker and of its own fake one, and sends a request to each worker's control address;
 *       every message it receives is printed. Runs until killed.
 * </ul>
 */
public final class Stranger {

  private Stranger() {
  }

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "bomb" -> bomb(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      case "rogue" -> rogue(args[1], args[2], args[3], args[4]);
      default -> throw new IllegalArgumentException("bomb or rogue");
    }
  }

  static void bomb(String host, int port, int seconds) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    byte[] zeros = new byte[64 * 1024];
    int connections = 0;
    int dropped = 0;
    long written = 0;
    long mostOnOne = 0;
    while (System.nanoTime() < end) {
      long here = 0;
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), 2000);
        connections++;
        socket.setSoTimeout(500);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        out.write(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0});
        here = 4;
        // Keep streaming zeros while the node takes them; after the deadline, give it up to 12 s more to hang
        // up: a node under load may take a moment, and its TLS handshake timeout (10 s) ends every one anyway.
        long giveUp = end + TimeUnit.SECONDS.toNanos(12);
        boolean closed = false;
        while (!closed && System.nanoTime() < giveUp) {
          if (System.nanoTime() < end) {
            out.write(zeros);
            here += zeros.length;
          }
          closed = peerClosed(in);
        }
        if (closed) {
          dropped++;
        }
      } catch (IOException e) {
        dropped++; // reset while writing: dropped
      }
      written += here;
      mostOnOne = Math.max(mostOnOne, here);
    }
    System.out.println(new JsonObject().put("connections", connections).put("dropped", dropped)
        .put("bytesWritten", written).put("mostOnOneConnection", mostOnOne).encode());
  }

  /** Whether the peer has closed the connection (reads nothing for up to the socket's timeout). */
  private static boolean peerClosed(InputStream in) throws IOException {
    try {
      return in.read() == -1; // any byte back is a TLS alert before the close
    } catch (SocketTimeoutException e) {
      return false; // still open: it is swallowing the bomb
    }
  }

  static void rogue(String host, String members, String clusterName, String model) throws Exception {
    ClusterOptions options = new ClusterOptions(null, clusterName, host, null, Arrays.asList(members.split(",")), 0,
        null, true);
    ClusterNode node = ClusterNode.start(options).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    String me = node.nodeId();
    AsyncMap<String, Object> workers = node.vertx().sharedData().<String, Object>getAsyncMap(Addresses.WORKERS_MAP)
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    // Worker ids are map keys, readable by any member; the values are sealed.
    List<String> targets = new ArrayList<>(workers.keys().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS));
    String fakeId = me + "/0";
    targets.add(fakeId);
    WorkerInfo fake = new WorkerInfo(fakeId, me, "local", List.of(model, "rogue-model"), 64, Addresses.workerControl(me));
    List<Future<?>> steps = new ArrayList<>();
    steps.add(workers.put(fakeId, JsonObject.mapFrom(fake)));
    for (String target : targets) {
      String address = Addresses.model(model, target);
      steps.add(node.vertx().eventBus().consumer(address, msg -> {
        System.out.println(new JsonObject().put("received", address).put("body", String.valueOf(msg.body())).encode());
        System.out.flush();
      }).completion());
    }
    Future.all(steps).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    node.vertx().eventBus().publish(Addresses.WORKERS_CHANGED, "joined");
    // Straight to a worker, as a job's sender would: its control address (only the worker listens there).
    for (String target : targets.subList(0, targets.size() - 1)) {
      String control = Addresses.workerControl(target.substring(0, target.lastIndexOf('/')));
      boolean answered = node.vertx().eventBus().request(control, new StatusRequest(), new DeliveryOptions().setSendTimeout(10_000))
          .map(true).otherwise(false).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      System.out.println(new JsonObject().put("control", control).put("answered", answered).encode());
    }
    System.out.println(new JsonObject().put("ready", me).put("consumers", targets).encode());
    System.out.flush();
  }
}

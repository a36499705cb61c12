package io.genbus.api.bench;

import io.genbus.cluster.ClusterNode;
import io.genbus.cluster.ClusterOptions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import java.util.concurrent.TimeUnit;

/**
 * The gateway benchmark's second baseline: the floor of any design that puts the work in another JVM. A bare
 * Vert.x HTTP server ({@code http PORT CLUSTER}) passes each request body over the clustered event bus as one
 * request/reply to a second JVM ({@code echo CLUSTER}), which answers with the same chat completion as
 * {@link BareServer}; nothing is parsed, queued or rendered. Both join a genbus cluster as
 * {@link ClusterNode}s, so the event bus is configured exactly as genbus's.
 */
public final class BareRelay {

  static final String ADDRESS = "bench.relay";

  public static void main(String[] args) throws Exception {
    boolean http = args[0].equals("http");
    String cluster = http ? args[2] : args[1];
    ClusterNode node = ClusterNode.start(ClusterOptions.loopback(cluster)).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS).closeOnShutdown(5);
    var vertx = node.vertx();
    if (!http) {
      Buffer answer = BareServer.answer();
      vertx.eventBus().<Buffer>consumer(ADDRESS, (Message<Buffer> m) -> m.reply(answer)).completion()
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      System.out.println("relay echo ready");
      return;
    }
    int port = Integer.parseInt(args[1]);
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.createHttpServer()
            .requestHandler(req -> req.body()
                .compose(body -> vertx.eventBus().<Buffer>request(ADDRESS, body))
                .onSuccess(reply -> req.response().putHeader("Content-Type", "application/json").end(reply.body()))
                .onFailure(err -> req.response().setStatusCode(502).end(err.toString())))
            .listen(port, "127.0.0.1");
      }
    }, new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()))
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    System.out.println("relay listening on " + port);
  }
}

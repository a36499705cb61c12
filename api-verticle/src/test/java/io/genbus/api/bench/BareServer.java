package io.genbus.api.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The gateway benchmark's baseline: a bare Vert.x HTTP server that answers every request with a chat
 * completion of the same shape and size as genbus's (a 64 × 64 PNG), so the comparison measures only what
 * genbus adds. {@code java ... BareServer PORT}.
 */
public final class BareServer {

  /** The chat completion both baselines answer with: genbus's answer to the benchmark's request. */
  static Buffer answer() {
    byte[] png = io.genbus.worker.local.LocalRenderer.renderPng("a cat", 0, 64);
    return new JsonObject()
        .put("id", "chatcmpl-bench").put("object", "chat.completion").put("created", 0).put("model", "local-image")
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
            .put("message", new JsonObject().put("role", "assistant").put("content",
                "![generated](data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(png) + ")"))))
        .toBuffer();
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    Buffer answer = answer();
    Vertx vertx = Vertx.vertx();
    int instances = Runtime.getRuntime().availableProcessors();
    vertx.deployVerticle(() -> new io.vertx.core.VerticleBase() {
      @Override
      public io.vertx.core.Future<?> start() {
        return vertx.createHttpServer()
            .requestHandler(req -> req.body().onSuccess(b -> req.response().putHeader("Content-Type", "application/json").end(answer)))
            .listen(port, "127.0.0.1");
      }
    }, new io.vertx.core.DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.println("bare server listening on " + port));
  }
}

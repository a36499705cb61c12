package io.genbus.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.CompletionStage;

/**
 * Hazelcast's asynchronous answers as Vert.x futures, completed on {@code context}. Not through
 * {@link Future#fromCompletionStage}: it registers with {@code whenComplete}, which Hazelcast runs on its
 * default async executor — the common fork-join pool, or, where that pool has fewer than two threads, a new
 * thread for every callback (seen: ~700 threads a second under load; {@link CommonPool} now sizes the pool on
 * nodes). Here the callback runs on the thread that completes the operation and only hands the answer to the
 * context: no hop through the pool either way.
 */
public final class HazelcastFutures {

  private HazelcastFutures() {
  }

  public static <T> Future<T> of(CompletionStage<T> stage, Context context) {
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, failure) -> context.runOnContext(v -> {
      if (failure != null) {
        promise.fail(failure);
      } else {
        promise.complete(value);
      }
    }), Runnable::run);
    return promise.future();
  }
}

package io.genbus.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.CompletionStage;

/**
 * Hazelcast's asynchronous answers as Vert.x futures, completed on {@code context}. Not through
 * {@link Future#fromCompletionStage}: it registers with {@code whenComplete}, which Hazelcast runs on its
 * default async executor — and where the common fork-join pool has fewer than two threads (any machine of two
 * cores or less) that executor starts a new thread for every callback (seen: ~700 threads a second under load).
 * Here the callback runs on the thread that completes the operation and only hands the answer to the context.
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

package io.genbus.worker.upstream;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/** One upstream answer: read whole, or (a 2xx event stream) already read by the backend as it came. */
public sealed interface Answer {

  int status();

  MultiMap headers();

  /** An answer whose body was read whole: every non-2xx answer, and 2xx answers that are not streamed. */
  record Whole(int status, MultiMap headers, Buffer body) implements Answer {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** A 2xx event stream, consumed by the backend's reader while it arrived; nothing is left to read. */
  record Streamed(int status, MultiMap headers) implements Answer {
  }
}

package io.genbus.protocol;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.smile.SmileFactory;
import com.fasterxml.jackson.dataformat.smile.SmileGenerator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The one codec of the protocol: a message record travels between nodes as length-prefixed Smile (Jackson's
 * binary JSON: the same fields and names as JSON, but image bytes go as raw bytes, with no base64 and no
 * string escaping to scan), and inside one JVM as the (immutable) record itself.
 */
public final class RecordCodec<T extends Record> implements MessageCodec<T, T> {

  /** Every message type of the protocol; {@link #registerAll} makes each the default for its class. */
  public static final List<Class<? extends Record>> MESSAGE_TYPES = List.of(
      Job.class, JobAccepted.class, JobEvent.class, CancelJob.class, WorkerStats.class, StatusRequest.class,
      WorkerLoad.class, InputImage.class, JobMoved.class, JobQuery.class, JobLog.class);

  static final ObjectMapper MAPPER = new ObjectMapper(SmileFactory.builder()
      .disable(SmileGenerator.Feature.ENCODE_BINARY_AS_7BIT) // raw bytes: Smile's header flags them
      .build())
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Class<T> type;

  public RecordCodec(Class<T> type) {
    this.type = type;
  }

  /** Registers the codec for every message type on this node's event bus; call once per Vert.x instance. */
  public static void registerAll(EventBus eventBus) {
    for (Class<? extends Record> type : MESSAGE_TYPES) {
      register(eventBus, type);
    }
  }

  /**
   * Registers the codecs this event bus does not have yet: for an application that shares its Vert.x instance
   * with genbus's own code (a {@code ClusterNode} registers them all already), or calls this more than once.
   */
  public static void registerMissing(EventBus eventBus) {
    for (Class<? extends Record> type : MESSAGE_TYPES) {
      try {
        register(eventBus, type);
      } catch (IllegalStateException alreadyRegistered) {
        // someone registered it first: the same codec, by its name
      }
    }
  }

  private static <T extends Record> void register(EventBus eventBus, Class<T> type) {
    eventBus.registerDefaultCodec(type, new RecordCodec<>(type));
  }

  @Override
  public void encodeToWire(Buffer buffer, T value) {
    try {
      byte[] smile = MAPPER.writeValueAsBytes(value);
      buffer.appendInt(smile.length).appendBytes(smile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    try {
      return MAPPER.readValue(buffer.getBytes(pos + 4, pos + 4 + length), type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public T transform(T value) {
    return value;
  }

  @Override
  public String name() {
    // The format is in the name: a node speaking another wire format fails with "no codec", not garbage.
    return "genbus.smile." + type.getSimpleName();
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}

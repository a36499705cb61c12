package io.genbus.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What a worker backend announces in {@link Addresses#WORKERS_MAP}.
 *
 * @param workerId       node id + "/" + backend index; unique in the cluster
 * @param nodeId         the Hazelcast member that runs it
 * @param backend        backend type, e.g. "local"
 * @param models         the models it serves
 * @param concurrency    how many jobs it runs at once
 * @param controlAddress where cancel and status requests go
 * @param capabilities   what it can do with the Images API's parameters
 */
public record WorkerInfo(String workerId, String nodeId, String backend, List<String> models,
                         int concurrency, String controlAddress, Capabilities capabilities) {

  /** More slots than any one backend could have: an entry claiming more is not believed. */
  static final int MAX_CONCURRENCY = 100_000;
  /** More sizes, ratios or formats than any backend announces: an entry claiming more is not believed. */
  static final int MAX_CAPABILITY_ITEMS = 256;

  /** A backend that declares no capabilities of its own: {@link Capabilities#basic()}. */
  public WorkerInfo(String workerId, String nodeId, String backend, List<String> models, int concurrency,
                    String controlAddress) {
    this(workerId, nodeId, backend, models, concurrency, controlAddress, null);
  }

  public WorkerInfo {
    models = List.copyOf(models);
    capabilities = capabilities == null ? Capabilities.basic() : capabilities;
  }

  /** The announcement as stored in the map (before sealing): JSON. */
  public byte[] toJson() {
    return JsonObject.mapFrom(this).toBuffer().getBytes();
  }

  /**
   * Reads an announcement stored under {@code key}. Anything that is not a sane announcement of that very key is
   * refused with an {@link IllegalArgumentException} saying why, so one bad entry costs only itself.
   */
  public static WorkerInfo fromJson(String key, byte[] json) {
    WorkerInfo info;
    try {
      info = new JsonObject(Buffer.buffer(json)).mapTo(WorkerInfo.class);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a worker announcement: " + e.getMessage(), e);
    }
    if (info.nodeId() == null || info.nodeId().isBlank() || !key.equals(info.workerId())
        || !key.startsWith(info.nodeId() + "/")) {
      throw new IllegalArgumentException("the worker id does not match its key and node");
    }
    if (!Addresses.workerControl(info.nodeId()).equals(info.controlAddress())) {
      throw new IllegalArgumentException("the control address is not its node's");
    }
    if (info.models().isEmpty() || info.models().stream().anyMatch(m -> m == null || m.isBlank())) {
      throw new IllegalArgumentException("no models, or a blank one");
    }
    if (info.concurrency() < 1 || info.concurrency() > MAX_CONCURRENCY) {
      throw new IllegalArgumentException("concurrency " + info.concurrency() + " out of range");
    }
    Capabilities caps = info.capabilities();
    // (null items cannot get here: the record's List.copyOf refuses them while it is read)
    if (caps.sizes().size() + caps.aspectRatios().size() + caps.outputFormats().size() > MAX_CAPABILITY_ITEMS) {
      throw new IllegalArgumentException("capabilities out of range");
    }
    return info;
  }
}

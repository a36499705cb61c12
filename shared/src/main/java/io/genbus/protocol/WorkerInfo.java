package io.genbus.protocol;

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
 */
public record WorkerInfo(String workerId, String nodeId, String backend, List<String> models,
                         int concurrency, String controlAddress) {
  public WorkerInfo {
    models = List.copyOf(models);
  }
}

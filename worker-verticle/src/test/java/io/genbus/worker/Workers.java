package io.genbus.worker;

import io.genbus.cluster.ClusterSeal;
import io.genbus.cluster.Membership;
import io.genbus.config.BackendConfig;
import io.genbus.config.WorkerConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.util.function.BiFunction;

/** Worker verticles for tests that run them without a cluster. */
public final class Workers {

  private Workers() {
  }

  /** A worker on its own: always a member, a registry of its own, no cluster secret, backends from {@code generators}. */
  public static WorkerVerticle alone(WorkerConfig config, String nodeId,
                                     BiFunction<Vertx, BackendConfig, Generator> generators) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    return new WorkerVerticle(config, nodeId, Membership.alone(nodeId), registry, ClusterSeal.plain(registry), generators);
  }
}

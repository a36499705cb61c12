package io.genbus.api.tenants;

import io.genbus.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's {@link TenantRegistry} in step with the runtime tenants and keys in PostgreSQL: loaded
 * at start, again whenever any API node publishes {@link Addresses#TENANTS_CHANGED} (the admin API does after
 * each change, so a new or revoked key holds everywhere within a second), and every {@link #RELOAD_MS} in
 * case a publication was missed.
 */
public final class TenantSync {

  private static final Logger LOG = LoggerFactory.getLogger(TenantSync.class);
  static final long RELOAD_MS = 30_000;

  private final Vertx vertx;
  private final TenantStore store;
  private final TenantRegistry registry;
  private MessageConsumer<Object> consumer;
  private long timer = -1;

  public TenantSync(Vertx vertx, TenantStore store, TenantRegistry registry) {
    this.vertx = vertx;
    this.store = store;
    this.registry = registry;
  }

  public Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.TENANTS_CHANGED, message -> reload());
    timer = vertx.setPeriodic(RELOAD_MS, id -> reload());
    return consumer.completion().compose(v -> reload());
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (consumer != null) {
      consumer.unregister();
    }
  }

  /** Tells every API node (this one too) to reload, once this node has. */
  public Future<Void> changed() {
    return reload().onComplete(ar -> vertx.eventBus().publish(Addresses.TENANTS_CHANGED, null));
  }

  public Future<Void> reload() {
    return store.loadAll()
        .onSuccess(all -> {
          Map<String, List<byte[]>> digests = new HashMap<>();
          List<Tenant> tenants = all.stream().map(t -> {
            digests.put(t.tenant().name(), t.keys().stream().map(TenantKeys.KeyHash::sha256).toList());
            return of(t.tenant());
          }).toList();
          registry.replaceStored(tenants, digests);
        })
        .onFailure(err -> LOG.warn("runtime tenants not reloaded (the last ones stay in force): {}", err.toString()))
        .mapEmpty();
  }

  static Tenant of(StoredTenant t) {
    return new Tenant(t.name(), t.rpm(), t.maxConcurrentJobs(), t.imagesPerDay(), t.priority(), t.models(), false);
  }
}

package io.genbus.worker;

import io.genbus.config.BackendConfig;
import io.genbus.config.WorkerConfig;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.CancelJob;
import io.genbus.protocol.Job;
import io.genbus.protocol.StatusRequest;
import io.genbus.protocol.WorkerInfo;
import io.genbus.protocol.WorkerStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires a worker node: one {@link JobRunner} per configured backend, consumers on the model addresses it
 * serves and on this node's control address, the heartbeat timer and the {@link WorkerAnnouncer}.
 */
public final class WorkerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerVerticle.class);

  private final WorkerConfig config;
  private final String nodeId;
  private final WorkerCounters counters = new WorkerCounters();
  private final List<JobRunner> runners = new ArrayList<>();
  private final List<Generator> generators = new ArrayList<>();
  private WorkerAnnouncer announcer;
  private long heartbeatTimer;
  private long announceTimer;

  public WorkerVerticle(WorkerConfig config, String nodeId) {
    this.config = config;
    this.nodeId = nodeId;
  }

  @Override
  public Future<?> start() {
    String control = Addresses.workerControl(nodeId);
    List<Future<Void>> registrations = new ArrayList<>();
    for (int i = 0; i < config.backends().size(); i++) {
      BackendConfig backend = config.backends().get(i);
      WorkerInfo info = new WorkerInfo(nodeId + "/" + i, nodeId, backend.type(), backend.models(),
          backend.concurrency(), control);
      Generator generator = Generators.create(vertx, backend);
      JobRunner runner = new JobRunner(vertx, info, generator, counters);
      generators.add(generator);
      runners.add(runner);
      for (String model : backend.models()) {
        MessageConsumer<Job> consumer = vertx.eventBus().consumer(Addresses.model(model), runner::accept);
        registrations.add(consumer.completion());
      }
    }
    registrations.add(vertx.eventBus().consumer(control, this::onControl).completion());
    heartbeatTimer = vertx.setPeriodic(config.heartbeatSeconds() * 1000L, id -> runners.forEach(JobRunner::heartbeat));
    announcer = new WorkerAnnouncer(vertx, runners.stream().map(JobRunner::info).toList());
    return Future.all(registrations)
        .compose(v -> announcer.announce())
        .onSuccess(v -> {
          announceTimer = vertx.setPeriodic(WorkerAnnouncer.REFRESH_MS, id -> announcer.refresh()
              .onFailure(err -> LOG.warn("could not renew the worker announcement: {}", err.toString())));
          runners.forEach(r -> LOG.info("worker {} ready: backend {} serving {} with {} slot(s)",
              r.info().workerId(), r.info().backend(), r.info().models(), r.info().concurrency()));
        });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(announceTimer);
    runners.forEach(r -> r.cancelAll("worker node stopping"));
    Future<Void> withdrawn = announcer == null ? Future.succeededFuture() : announcer.withdraw();
    return withdrawn.eventually(() -> Future.all(generators.stream().map(Generator::close).toList()));
  }

  private void onControl(Message<Object> message) {
    Object body = message.body();
    if (body instanceof CancelJob cancel) {
      boolean found = runners.stream().anyMatch(r -> r.cancel(cancel.jobId(), cancel.reason()));
      message.reply(found);
    } else if (body instanceof StatusRequest) {
      message.reply(stats());
    } else {
      message.fail(400, "unknown control message: " + (body == null ? "null" : body.getClass().getSimpleName()));
    }
  }

  WorkerStats stats() {
    int running = runners.stream().mapToInt(JobRunner::running).sum();
    int waiting = runners.stream().mapToInt(JobRunner::waiting).sum();
    return new WorkerStats(running, waiting, counters.completed.get(), counters.failed.get(),
        counters.cancelled.get());
  }
}

package io.genbus.api.durable;

import io.genbus.api.errors.ApiException;
import io.genbus.api.jobs.JobDispatcher;
import io.genbus.cluster.Membership;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.CancelJob;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.InputImage;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobOrigin;
import io.genbus.protocol.JobMoved;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable jobs of one API node (docs/protocol.md, "Durable jobs"): creates them (record, request,
 * ownership, idempotency key) and queues them with a {@link JobRecorder}; cancels them wherever their owner
 * is; and adopts the jobs of API nodes that left the cluster — exactly one surviving node wins each job
 * through a compare-and-set on its owner entry. Lives on the scheduler's loop, next to the dispatcher;
 * HTTP loops call {@link #create} and {@link #cancel}, which hop there.
 */
public final class DurableJobs {

  private static final Logger LOG = LoggerFactory.getLogger(DurableJobs.class);

  /** A durable job to create. */
  public record NewJob(String id, String kind, String endpoint, String caller, String model, String prompt, Long seed,
                       List<InputImage> images, String webhookUrl, String idempotencyKey, String bodyHash,
                       JobOrigin origin) {

    public NewJob withOrigin(JobOrigin newOrigin) {
      return new NewJob(id, kind, endpoint, caller, model, prompt, seed, images, webhookUrl, idempotencyKey, bodyHash,
          newOrigin);
    }
  }

  /** The job a request stands for, and whether the request created it (false: an earlier one, same key). */
  public record Created(JobRecord record, boolean fresh) {
  }

  private final Vertx vertx;
  private final Context home;
  private final Membership membership;
  private final JobDispatcher dispatcher;
  private final JobRecorder.Deps deps;
  private final long adoptionGraceMs;
  private final Map<String, JobRecorder> recorders = new HashMap<>();
  private boolean adopting;
  private boolean adoptAgain;

  public DurableJobs(Vertx vertx, Context home, Membership membership, JobDispatcher dispatcher, JobRecorder.Deps deps,
                     long adoptionGraceMs) {
    this.vertx = vertx;
    this.home = home;
    this.membership = membership;
    this.dispatcher = dispatcher;
    this.deps = deps;
    this.adoptionGraceMs = adoptionGraceMs;
  }

  public JobStore store() {
    return deps.store();
  }

  /** Listens for cancels from other nodes, and adopts what was left without an owner while no node ran. */
  public Future<Void> start() {
    return vertx.eventBus().<CancelJob>consumer(Addresses.apiControl(deps.nodeId()), this::onControl).completion()
        .onSuccess(v -> adoptOrphans());
  }

  /**
   * Records and queues a job, or, for an Idempotency-Key already used by this caller, finds the job it made
   * (409 {@code idempotency_key_reused} if that came from another body). The record is written before the key
   * is claimed, so whoever finds the key finds the record; a request that loses the claim removes its own.
   */
  public Future<Created> create(NewJob n) {
    long now = System.currentTimeMillis();
    JobRecord record = JobRecord.create(n.id(), n.kind(), n.endpoint(), n.caller(), n.model(), deps.nodeId(), now,
        n.webhookUrl(), n.bodyHash());
    Job job = new Job(n.id(), n.model(), n.prompt(), n.seed(), dispatcher.eventsAddress(), now, n.images(),
        adoptionGraceMs).withOrigin(n.origin());
    JobStore store = deps.store();
    Future<Void> written = Future.all(store.put(record), store.putRequest(job), store.own(n.id(), deps.nodeId()))
        .mapEmpty();
    if (n.idempotencyKey() == null) {
      return written.compose(v -> submit(record, job)).map(v -> new Created(record, true));
    }
    return written
        .compose(v -> store.claim(n.caller(), n.idempotencyKey(), n.id(), n.bodyHash()))
        .compose(claim -> {
          if (claim.jobId().equals(n.id())) {
            return submit(record, job).map(v -> new Created(record, true));
          }
          Future<Void> dropped = store.remove(n.id());
          if (!claim.bodyHash().equals(n.bodyHash())) {
            return dropped.transform(ar -> Future.failedFuture(new ApiException(ErrorCode.IDEMPOTENCY_KEY_REUSED, "Idempotency-Key")));
          }
          return dropped.transform(ar -> store.record(claim.jobId())).compose(earlier -> earlier == null
              || !earlier.caller().equals(n.caller())
              ? Future.failedFuture(new ApiException(ErrorCode.JOB_NOT_FOUND, null, claim.jobId()))
              : Future.succeededFuture(new Created(earlier, false)));
        });
  }

  /**
   * Cancels a job of any node: here if this node owns it, else through its owner's control address. An owner
   * that is gone (its jobs not yet adopted) answers 503 {@code job_owner_unavailable}; adoption is started.
   */
  public Future<Void> cancel(String jobId) {
    return deps.store().owner(jobId).compose(owner -> {
      if (owner == null) {
        return Future.succeededFuture(); // ended meanwhile
      }
      if (owner.equals(deps.nodeId())) {
        return onHome(() -> cancelHere(jobId)).mapEmpty();
      }
      return vertx.eventBus().request(Addresses.apiControl(owner), new CancelJob(jobId, "cancelled by the client"))
          .<Void>mapEmpty()
          .recover(err -> {
            if (err instanceof ReplyException re && re.failureType() != ReplyFailure.RECIPIENT_FAILURE) {
              home.runOnContext(v -> adoptOrphans());
              return Future.failedFuture(new ApiException(ErrorCode.JOB_OWNER_UNAVAILABLE, null));
            }
            return Future.failedFuture(err);
          });
    });
  }

  private void onControl(Message<CancelJob> message) {
    cancelHere(message.body().jobId()).onComplete(ar -> message.reply(ar.succeeded() && ar.result()));
  }

  /** Cancels a job of this node; completes once its record says so (false: not followed here, e.g. ended). */
  private Future<Boolean> cancelHere(String jobId) {
    JobRecorder recorder = recorders.remove(jobId);
    if (recorder == null) {
      return Future.succeededFuture(false);
    }
    dispatcher.cancel(jobId, "cancelled by the client");
    recorder.cancelled();
    return recorder.stored().map(true);
  }

  private Future<Void> submit(JobRecord record, Job job) {
    return onHome(() -> {
      JobRecorder recorder = follow(record);
      dispatcher.submit(job, recorder);
      return Future.succeededFuture();
    });
  }

  /** A recorder for the job, known here until the job ends (a later DELETE then leaves the record as it is). */
  private JobRecorder follow(JobRecord record) {
    JobRecorder recorder = new JobRecorder(vertx, deps, record, () -> recorders.remove(record.id()));
    recorders.put(record.id(), recorder);
    return recorder;
  }

  /** A member left the cluster: if it was an API node, its jobs need a new owner. */
  public void nodeLeft(String nodeId) {
    adoptOrphans();
  }

  /**
   * Takes over every job whose owner is no longer a member. Several nodes may try at once: each job goes to
   * the one whose compare-and-set on the owner entry succeeds. Runs on the scheduler loop; overlapping calls
   * fold into one more run.
   */
  public void adoptOrphans() {
    if (adopting) {
      adoptAgain = true;
      return;
    }
    adopting = true;
    Set<String> members = new HashSet<>(membership.nodes());
    JobStore store = deps.store();
    store.owners()
        .compose(owners -> {
          List<Future<Adopted>> taken = new ArrayList<>();
          owners.forEach((jobId, owner) -> {
            if (!members.contains(owner) && !owner.equals(deps.nodeId())) {
              taken.add(store.takeOver(jobId, owner, deps.nodeId()).compose(won -> won ? load(jobId) : Future.succeededFuture(null)));
            }
          });
          return Future.join(taken).map(all -> all.<Adopted>list());
        })
        .onSuccess(this::resume)
        .onFailure(err -> LOG.warn("adoption of orphaned jobs failed: {}", err.toString()))
        .onComplete(ar -> {
          adopting = false;
          if (adoptAgain) {
            adoptAgain = false;
            adoptOrphans();
          }
        });
  }

  private record Adopted(JobRecord record, Job job) {
  }

  private Future<Adopted> load(String jobId) {
    return Future.all(deps.store().record(jobId), deps.store().request(jobId))
        .map(both -> new Adopted(both.resultAt(0), both.resultAt(1)));
  }

  /** The jobs this node won, oldest first: each resumes where its record says it stood. */
  private void resume(List<Adopted> adopted) {
    adopted.stream().filter(a -> a != null && a.record() != null)
        .sorted(Comparator.comparingLong(a -> a.record().createdAt()))
        .forEach(this::resume);
  }

  private void resume(Adopted a) {
    JobRecord record = a.record();
    if (record.status().terminal()) {
      LOG.info("adopted job {} ({}); finishing it", record.id(), record.status().wire());
      JobRecorder recorder = new JobRecorder(vertx, deps, record, () -> { });
      recorder.adopted();
      recorder.stored().compose(v -> recorder.finish());
      return;
    }
    JobRecorder recorder = follow(record);
    recorder.adopted();
    if (a.job() == null) {
      recorder.onError(ErrorCode.WORKER_LOST, "the job's request was lost with its API node");
      return;
    }
    Job job = a.job().withReplyTo(dispatcher.eventsAddress());
    if (record.status() == JobRecord.Status.RUNNING && record.worker() != null
        && dispatcher.adoptRunning(job, recorder, record.worker(), record.workerEvents())) {
      LOG.info("adopted job {}, running on worker {}", record.id(), record.worker());
      vertx.eventBus().<Boolean>request(record.controlAddress(), new JobMoved(record.id(), dispatcher.eventsAddress()))
          .onComplete(ar -> {
            if (ar.failed() || !Boolean.TRUE.equals(ar.result().body())) {
              LOG.info("job {}: its worker no longer has it; dispatching it again", record.id());
              dispatcher.adoptionRefused(record.id());
            }
          });
    } else {
      LOG.info("adopted job {}, queued", record.id());
      dispatcher.adoptQueued(job, recorder);
    }
  }

  private <T> Future<T> onHome(Supplier<Future<T>> work) {
    if (Vertx.currentContext() == home) {
      return work.get();
    }
    Context caller = Vertx.currentContext();
    Promise<T> answer = Promise.promise();
    home.runOnContext(v -> work.get().onComplete(ar -> {
      if (caller == null) {
        answer.handle(ar);
      } else {
        caller.runOnContext(x -> answer.handle(ar));
      }
    }));
    return answer.future();
  }
}

package io.genbus.api.durable;

import io.genbus.api.errors.ApiException;
import io.genbus.api.jobs.JobDispatcher;
import io.genbus.api.jobs.JobListener;
import io.genbus.cluster.Membership;
import io.genbus.protocol.Addresses;
import io.genbus.protocol.CancelJob;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ImageOptions;
import io.genbus.protocol.InputImage;
import io.genbus.protocol.Job;
import io.genbus.protocol.JobOrigin;
import io.genbus.protocol.JobMoved;
import io.genbus.protocol.JobQuery;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
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
  /** How long an adopter waits for a worker node's answer to {@link JobQuery}; a live one answers in ms. */
  static final long QUERY_TIMEOUT_MS = 5_000;

  /**
   * A durable job to create.
   *
   * @param parts an Images API job's parts, null for a chat job
   */
  public record NewJob(String id, String kind, String endpoint, String caller, String model, String prompt, Long seed,
                       List<InputImage> images, String webhookUrl, String idempotencyKey, String bodyHash,
                       JobOrigin origin, ImageParts parts) {

    public NewJob withOrigin(JobOrigin newOrigin) {
      return new NewJob(id, kind, endpoint, caller, model, prompt, seed, images, webhookUrl, idempotencyKey, bodyHash,
          newOrigin, parts);
    }

    /** The jobs it is on the bus: one per image of an images job (the first with the job's id), else one. */
    public List<String> jobIds() {
      return parts == null ? List.of(id) : parts.ids();
    }
  }

  /**
   * The images side of an Images API job: its parts' job ids ({@code ids.get(0)} is the job's id), the image
   * parameters every part carries, an edit's mask, and what its answer is built with ({@code answer}).
   */
  public record ImageParts(List<String> ids, ImageOptions options, InputImage mask, JsonObject answer) {
  }

  /**
   * The job a request stands for, and whether the request created it (false: an earlier one, same key). A
   * created job's record is as it was created (queued): the live one belongs to the scheduler's loop.
   */
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
    // An images job keeps one request, its first part's: the others differ only in id and seed.
    Job job = n.parts() == null
        ? new Job(n.id(), n.model(), n.prompt(), n.seed(), dispatcher.eventsAddress(), now, n.images(), adoptionGraceMs)
            .withOrigin(n.origin())
        : new Job(n.id(), n.model(), n.prompt(), 0L, dispatcher.eventsAddress(), now, n.images(), n.parts().options(),
            n.parts().mask(), adoptionGraceMs, n.origin());
    if (n.parts() != null) {
      record.withParts(n.parts().ids(), n.parts().answer());
    }
    JobStore store = deps.store();
    Future<Void> written = Future.all(store.put(record), store.putRequest(job), store.own(n.id(), deps.nodeId()))
        .mapEmpty();
    if (n.idempotencyKey() == null) {
      return written.compose(v -> submit(record, job));
    }
    return written
        .compose(v -> store.claim(n.caller(), n.idempotencyKey(), n.id(), n.bodyHash()))
        .compose(claim -> {
          if (claim.jobId().equals(n.id())) {
            return submit(record, job);
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

  /**
   * Cancels a job of this node (all its parts: the recorder's end does it); completes once its record says so
   * (false: not followed here, e.g. ended).
   */
  private Future<Boolean> cancelHere(String jobId) {
    JobRecorder recorder = recorders.get(jobId);
    if (recorder == null) {
      return Future.succeededFuture(false);
    }
    recorder.cancelled();
    return recorder.stored().map(true);
  }

  /**
   * Hands the job to the dispatcher. The request is answered with a copy of the record taken before: from then
   * on the dispatcher updates the record on its own loop (a fast worker may have it running before the caller
   * reads it, which must neither show in the answer to the request that made it nor be read across threads).
   */
  private Future<Created> submit(JobRecord record, Job job) {
    Created created = new Created(record.copy(), true);
    return onHome(() -> {
      JobRecorder recorder = follow(record);
      if (record.hasParts()) {
        for (JobRecord.Part part : record.parts()) {
          dispatcher.submit(part(job, part), recorder.part(part.index()));
        }
      } else {
        dispatcher.submit(job, recorder);
      }
      return Future.succeededFuture(created);
    });
  }

  /** Part {@code part} of an images job whose first part is {@code first}: its id, and its index as seed. */
  private static Job part(Job first, JobRecord.Part part) {
    return new Job(part.id(), first.model(), first.prompt(), (long) part.index(), first.replyTo(), first.createdAt(),
        first.images(), first.options(), first.mask(), first.adoptionGraceMs(), first.origin());
  }

  /**
   * A recorder for the job, known here until the job ends (a later DELETE then leaves the record as it is).
   * When it ends, whatever of it still waits or runs here is stopped: an images job's other parts, once one
   * failed for good or the client cancelled it.
   */
  private JobRecorder follow(JobRecord record) {
    JobRecorder recorder = new JobRecorder(vertx, deps, record, status -> {
      recorders.remove(record.id());
      String reason = status == JobRecord.Status.CANCELLED ? "cancelled by the client" : "another image of the job failed";
      record.jobIds().forEach(id -> dispatcher.cancel(id, reason)); // those that ended are no longer there
    });
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

  /**
   * The jobs this node won, oldest first: each resumes where its record says it stood. The workers are asked
   * about every job at once (a worker that does not answer costs its timeout once, not once a job), and the
   * jobs are placed in order as the answers come, so the line keeps their order.
   */
  private void resume(List<Adopted> adopted) {
    List<Future<Runnable>> placements = adopted.stream().filter(a -> a != null && a.record() != null)
        .sorted(Comparator.comparingLong(a -> a.record().createdAt()))
        .map(this::resume).toList();
    Future<Void> inOrder = Future.succeededFuture();
    for (Future<Runnable> placement : placements) {
      inOrder = inOrder.compose(v -> placement.map(place -> {
        try {
          place.run();
        } catch (RuntimeException e) { // one job that cannot be placed must not strand the ones after it
          LOG.error("an adopted job could not be resumed", e);
        }
        return null;
      }));
    }
  }

  /** What places the job (every part of it) in its line or on its worker, once known; never fails. */
  private Future<Runnable> resume(Adopted a) {
    JobRecord record = a.record();
    if (record.status().terminal()) {
      LOG.info("adopted job {} ({}); finishing it", record.id(), record.status().wire());
      JobRecorder recorder = new JobRecorder(vertx, deps, record, status -> { });
      recorder.adopted();
      recorder.stored().compose(v -> recorder.finish());
      return Future.succeededFuture(() -> { });
    }
    JobRecorder recorder = follow(record);
    recorder.adopted();
    if (a.job() == null) {
      recorder.onError(ErrorCode.WORKER_LOST, "the job's request was lost with its API node");
      return Future.succeededFuture(() -> { });
    }
    Job job = a.job().withReplyTo(dispatcher.eventsAddress());
    if (!record.hasParts()) {
      return resume(job, recorder, record.status(), record.worker(), record.controlAddress(), record.workerEvents());
    }
    // each part where it stood: those done stay done, the others keep their worker or rejoin the line
    List<Future<Runnable>> parts = new ArrayList<>();
    for (JobRecord.Part part : record.parts()) {
      if (part.status() != JobRecord.Status.SUCCEEDED) {
        parts.add(resume(part(job, part), recorder.part(part.index()), part.status(), part.worker(),
            part.controlAddress(), part.workerEvents()));
      }
    }
    recorder.settleParts();
    return Future.all(parts).map(all -> () -> parts.forEach(place -> place.result().run()));
  }

  /**
   * One adopted job on the bus: followed on its worker if it runs on one known here; if its record does not
   * say so, the workers of its model are asked first — its owner may have died between a worker's
   * {@code JobAccepted} and writing {@code running} — and it is queued only when none has it.
   */
  private Future<Runnable> resume(Job job, JobListener listener, JobRecord.Status status, String worker,
                                  String control, int workerEvents) {
    if (status == JobRecord.Status.RUNNING && worker != null) {
      return Future.succeededFuture(() -> followOn(job, listener, worker, control, workerEvents));
    }
    return holder(job).map(holder -> () -> {
      if (holder == null) {
        LOG.info("adopted job {}, queued", job.id());
        dispatcher.adoptQueued(job, listener);
      } else {
        LOG.info("adopted job {}: recorded as not yet running, but worker {} has it", job.id(), holder.worker());
        followOn(job, listener, holder.worker(), holder.control(), 0);
      }
    });
  }

  /**
   * Asks every worker node serving the job's model whether it has the job ({@link JobQuery}: no effect there);
   * null when none does. Never fails: a worker that does not answer cannot be followed either.
   */
  private Future<Holder> holder(Job job) {
    Set<String> controls = new LinkedHashSet<>();
    dispatcher.workersOf(job.model()).forEach(w -> controls.add(w.controlAddress()));
    DeliveryOptions quick = new DeliveryOptions().setSendTimeout(QUERY_TIMEOUT_MS);
    List<Future<Holder>> asks = controls.stream()
        .map(control -> vertx.eventBus().<String>request(control, new JobQuery(job.id()), quick)
            .map(reply -> reply.body() == null || reply.body().isEmpty() ? null : new Holder(reply.body(), control))
            .otherwise((Holder) null))
        .toList();
    return Future.all(asks).map(all -> asks.stream().map(Future::result).filter(h -> h != null).findFirst()
        .orElse(null));
  }

  /** The backend that answered a {@link JobQuery} with the job, and its node's control address. */
  private record Holder(String worker, String control) {
  }

  /** Follows the job as running on {@code worker}, which is told to send its events here; queued if unknown. */
  private void followOn(Job job, JobListener listener, String worker, String control, int workerEvents) {
    if (!dispatcher.adoptRunning(job, listener, worker, workerEvents)) {
      LOG.info("adopted job {}, queued (worker {} is not known here)", job.id(), worker);
      dispatcher.adoptQueued(job, listener);
      return;
    }
    LOG.info("adopted job {}, running on worker {}", job.id(), worker);
    vertx.eventBus().<Boolean>request(control, new JobMoved(job.id(), dispatcher.eventsAddress()))
        .onComplete(ar -> {
          if (ar.failed() || !Boolean.TRUE.equals(ar.result().body())) {
            LOG.info("job {}: its worker no longer has it; dispatching it again", job.id());
            dispatcher.adoptionRefused(job.id());
          }
        });
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

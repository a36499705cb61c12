package io.genbus.api.tenants;

import io.genbus.api.errors.ApiException;
import io.genbus.api.jobs.JobObserver;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Applies tenants' limits across the cluster: requests a minute ({@code rpm}), images a UTC day
 * ({@code imagesPerDay}) and jobs queued or running at once ({@code maxConcurrentJobs}).
 *
 * <p>Windows are fixed (the UTC minute, the UTC day) and counted in the cluster ({@link LimitCounters}). A
 * node takes units in leases of 1 % of the limit (at least 1) and spends them locally, so a busy tenant
 * costs one cluster call per lease, not per request; the cluster never grants more than the limit, so the
 * total accepted never passes it, and at most one lease per API node can be left unspent when a window
 * ends. Places for jobs in flight are leased the same way, per node, from a count the cluster keeps per
 * node (so a node that dies takes its places with it): a node spends its spare places locally, asks for
 * more (1 % of the limit, at least 1) when it has none, and gives spare places back beyond one lease once it
 * holds two (at once for limits under 200) — so the cluster never has more jobs in flight than the limit, and
 * no node keeps more than two leases of places another node could use.
 *
 * <p>One per node, shared by its HTTP loops and told by the dispatcher (as a {@link JobObserver}) when a job
 * ends: every method holds the lock only for a few steps, never across a cluster call.
 */
public final class TenantLimits implements JobObserver {

  static final long MINUTE_MS = 60_000;
  static final long DAY_MS = 86_400_000;
  /** How soon a tenant at its concurrency limit is told to try again: about when one of its jobs may end. */
  static final int CONCURRENCY_RETRY_SECONDS = 2;

  enum Kind {
    REQUESTS("rpm", MINUTE_MS), IMAGES("images", DAY_MS);

    final String key;
    final long windowMs;

    Kind(String key, long windowMs) {
      this.key = key;
      this.windowMs = windowMs;
    }
  }

  /** Units of one tenant's current window held by this node, and the cluster's count at the last lease. */
  private static final class Lease {
    final long window;
    final long limit;
    long left;
    long usedInCluster;

    Lease(long window, long limit) {
      this.window = window;
      this.limit = limit;
    }
  }

  /** Places in flight this node holds for a tenant (granted by the cluster) and how many its jobs use. */
  private static final class Places {
    int held;
    int inFlight;
  }

  /** What a limited window says, for the {@code x-ratelimit-*} headers. */
  public record WindowState(long limit, long remaining, long resetMs) {
  }

  private final LimitCounters counters;
  private final String nodeId;
  private final LongSupplier clock;
  private final Map<String, Lease> leases = new HashMap<>();
  private final Map<String, Places> places = new HashMap<>();
  private final Map<String, TenantAdmission> handedOver = new HashMap<>();

  public TenantLimits(LimitCounters counters, String nodeId, LongSupplier clock) {
    this.counters = counters;
    this.nodeId = nodeId;
    this.clock = clock;
  }

  /**
   * Admits a request of {@code tenant} for {@code model} that will be {@code jobs} jobs (one image each), or
   * fails with the refusal to answer: 403 model_not_allowed, 429 rate_limit_exceeded (requests a minute, or
   * jobs at once) or 429 insufficient_quota (images today). A refusal takes nothing.
   */
  public Future<TenantAdmission> admit(Tenant tenant, String model, int jobs) {
    if (!tenant.allows(model)) {
      return Future.failedFuture(new ApiException(ErrorCode.MODEL_NOT_ALLOWED, "model", model));
    }
    TenantAdmission admission = new TenantAdmission(this, tenant);
    if (!tenant.limited()) {
      return Future.succeededFuture(admission);
    }
    long minute = window(Kind.REQUESTS);
    long day = window(Kind.IMAGES);
    return take(tenant, Kind.REQUESTS, 1)
        .compose(v -> {
          admission.requestWindow = tenant.rpm() == null ? -1 : minute;
          return Future.<Void>succeededFuture();
        })
        .compose(v -> tenant.maxConcurrentJobs() == null ? Future.succeededFuture()
            : acquire(tenant, jobs).compose(added -> {
              if (added) {
                admission.inFlight = jobs;
                return Future.succeededFuture();
              }
              return Future.failedFuture(new ApiException(ErrorCode.RATE_LIMIT_EXCEEDED, null,
                  "tenant " + tenant.name() + " has " + tenant.maxConcurrentJobs() + " jobs queued or running")
                  .retryAfter(CONCURRENCY_RETRY_SECONDS));
            }))
        .compose(v -> take(tenant, Kind.IMAGES, jobs))
        .map(v -> {
          admission.tookImages(tenant.imagesPerDay() == null ? 0 : jobs, day);
          return admission;
        })
        .onFailure(err -> admission.refused());
  }

  /** The tenant's windows as they stand on this node, for the headers of any answer. */
  public WindowState state(Tenant tenant, Kind kind) {
    Integer limit = limitOf(tenant, kind);
    if (limit == null) {
      return null;
    }
    long now = clock.getAsLong();
    long window = now / kind.windowMs;
    long resetMs = (window + 1) * kind.windowMs - now;
    synchronized (this) {
      Lease lease = leases.get(leaseKey(tenant, kind));
      if (lease == null || lease.window != window) {
        return new WindowState(limit, limit, resetMs);
      }
      return new WindowState(limit, Math.max(0, limit - lease.usedInCluster + lease.left), resetMs);
    }
  }

  /** Takes {@code units} of the tenant's current {@code kind} window, or fails with the refusal. */
  private Future<Void> take(Tenant tenant, Kind kind, int units) {
    Integer limit = limitOf(tenant, kind);
    if (limit == null) {
      return Future.succeededFuture();
    }
    long now = clock.getAsLong();
    long window = now / kind.windowMs; // (the caller's window: a request at 23:59:59.999 counts for that day)
    Lease lease;
    long want;
    synchronized (this) {
      lease = leases.get(leaseKey(tenant, kind));
      if (lease == null || lease.window != window || lease.limit != limit) {
        lease = new Lease(window, limit);
        leases.put(leaseKey(tenant, kind), lease);
      }
      if (lease.left >= units) {
        lease.left -= units;
        return Future.succeededFuture();
      }
      want = Math.max(units - lease.left, Math.max(1, limit / 100));
    }
    Lease held = lease;
    long resetMs = (window + 1) * kind.windowMs - now;
    String key = windowKey(tenant, kind, window);
    return counters.lease(key, limit, want, 2 * kind.windowMs).compose(answer -> {
      long spare;
      synchronized (this) {
        held.left += answer[0];
        held.usedInCluster = Math.max(held.usedInCluster, answer[1]);
        if (held.left >= units) {
          held.left -= units;
          return Future.succeededFuture();
        }
        // Not enough here: what this node holds goes back, so that a smaller request on any node can have it.
        spare = held.left;
        held.left = 0;
        held.usedInCluster -= spare;
      }
      Future<long[]> returned = spare > 0 ? counters.lease(key, limit, -spare, 2 * kind.windowMs)
          : Future.succeededFuture();
      return returned.transform(ar -> Future.failedFuture(refusal(tenant, kind, limit, resetMs)));
    });
  }

  /** Units given back (a refused or failed request): kept on this node if their window is still current. */
  void giveBack(Tenant tenant, Kind kind, long units, long window) {
    if (units <= 0) {
      return;
    }
    synchronized (this) {
      Lease lease = leases.get(leaseKey(tenant, kind));
      if (lease != null && lease.window == window) {
        lease.left += units;
      }
    }
  }

  long window(Kind kind) {
    return clock.getAsLong() / kind.windowMs;
  }

  /**
   * Takes places for {@code jobs} jobs of the tenant: from this node's share if it holds enough spare places,
   * else by asking the cluster for more (at least 1 % of the limit, so that a busy tenant seldom asks).
   */
  private Future<Boolean> acquire(Tenant tenant, int jobs) {
    int limit = tenant.maxConcurrentJobs();
    int chunk = chunk(limit);
    Places places;
    int need;
    synchronized (this) {
      places = this.places.computeIfAbsent(tenant.name(), n -> new Places());
      if (places.held - places.inFlight >= jobs) {
        places.inFlight += jobs;
        return Future.succeededFuture(true);
      }
      need = jobs - (places.held - places.inFlight);
    }
    int want = Math.min(limit, Math.max(need, chunk));
    return lease(tenant, places, want, jobs)
        .compose(ok -> ok || want == need ? Future.succeededFuture(ok) : lease(tenant, places, need, jobs));
  }

  private Future<Boolean> lease(Tenant tenant, Places places, int want, int jobs) {
    return counters.addInFlight(tenant.name(), nodeId, want, tenant.maxConcurrentJobs()).map(granted -> {
      if (!granted) {
        return false;
      }
      synchronized (this) {
        places.held += want;
        if (places.held - places.inFlight >= jobs) {
          places.inFlight += jobs;
          return true;
        }
      }
      releaseInFlight(tenant, 0); // raced with another admission: give back what is spare, and refuse
      return false;
    });
  }

  /**
   * {@code count} jobs of the tenant left this node: their places are spare. With a limit under 200 (leases of 1)
   * every spare place goes back at once; otherwise a node keeps one lease of spare places and gives back the rest
   * once it holds two, so it neither asks the cluster at every request nor sits on more than two leases.
   */
  Future<Void> releaseInFlight(Tenant tenant, int count) {
    int giveBack = 0;
    synchronized (this) {
      Places p = places.get(tenant.name());
      if (p == null) {
        return Future.succeededFuture();
      }
      p.inFlight = Math.max(0, p.inFlight - count);
      int spare = p.held - p.inFlight;
      Integer limit = tenant.maxConcurrentJobs();
      int chunk = limit == null ? 1 : chunk(limit);
      if (chunk == 1 || limit == null) {
        giveBack = spare; // small limits: every place back at once, so that no node sits on one another could use
      } else if (spare >= 2 * chunk) {
        giveBack = spare - chunk; // keep one lease: giving all back would mean asking again at the next request
      }
      p.held -= giveBack;
    }
    return giveBack == 0 ? Future.succeededFuture() : counters.removeInFlight(tenant.name(), nodeId, giveBack);
  }

  private static int chunk(int limit) {
    return Math.max(1, limit / 100);
  }

  synchronized void handedOver(String jobId, TenantAdmission admission) {
    handedOver.put(jobId, admission);
  }

  synchronized boolean takeBack(String jobId) {
    return handedOver.remove(jobId) != null;
  }

  /** A job handed over by an admission of this node ended: its place in flight is free, a failed one's image given back. */
  @Override
  public void ended(EndedJob job) {
    TenantAdmission admission;
    synchronized (this) {
      admission = handedOver.remove(job.id());
    }
    if (admission != null) {
      admission.jobEnded(job.done() || job.images() > 0);
    }
  }

  /** A member left: what it held in flight is free. Any node may do it; doing it twice is harmless. */
  public Future<Void> nodeLeft(String leftNodeId) {
    return counters.forget(leftNodeId);
  }

  private static Integer limitOf(Tenant tenant, Kind kind) {
    return kind == Kind.REQUESTS ? tenant.rpm() : tenant.imagesPerDay();
  }

  private static String leaseKey(Tenant tenant, Kind kind) {
    return kind.key + "|" + tenant.name();
  }

  private static String windowKey(Tenant tenant, Kind kind, long window) {
    return kind.key + "|" + tenant.name() + "|" + window;
  }

  private static ApiException refusal(Tenant tenant, Kind kind, long limit, long resetMs) {
    int retryAfter = (int) Math.max(1, (resetMs + 999) / 1000);
    return kind == Kind.REQUESTS
        ? new ApiException(ErrorCode.RATE_LIMIT_EXCEEDED, null,
            "tenant " + tenant.name() + " may send " + limit + " requests a minute").retryAfter(retryAfter)
        : new ApiException(ErrorCode.INSUFFICIENT_QUOTA, null,
            "tenant " + tenant.name() + " may have " + limit + " images a day").retryAfter(retryAfter);
  }
}

package io.genbus.api.tenants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.api.errors.ApiException;
import io.genbus.api.jobs.JobObserver.EndedJob;
import io.genbus.api.tenants.TenantLimits.Kind;
import io.genbus.cluster.InFlightCount;
import io.genbus.cluster.WindowLease;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Tenant limits without a cluster: two nodes' {@link TenantLimits} share counters kept in memory by the same
 * entry processors Hazelcast runs, and a clock the test moves.
 */
@DisplayName("tenant limits, two nodes sharing counters")
class TenantLimitsTest {

  /** The cluster's maps in memory, changed by the real entry processors; counts its calls. */
  static final class MemoryCounters implements LimitCounters {
    final Map<String, Long> windows = new HashMap<>();
    final Map<String, HashMap<String, Integer>> inFlight = new HashMap<>();
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public synchronized Future<long[]> lease(String key, long limit, long want, long ttlMs) {
      calls.incrementAndGet();
      Map.Entry<String, Long> entry = new AbstractMap.SimpleEntry<>(key, windows.get(key)) {
        @Override
        public Long setValue(Long value) {
          windows.put(key, value);
          return super.setValue(value);
        }
      };
      return Future.succeededFuture(new WindowLease(limit, want, ttlMs).process(entry));
    }

    @Override
    public synchronized Future<Boolean> addInFlight(String tenant, String nodeId, int delta, long limit) {
      calls.incrementAndGet();
      return Future.succeededFuture(new InFlightCount(nodeId, delta, limit).process(entry(tenant)));
    }

    @Override
    public synchronized Future<Void> removeInFlight(String tenant, String nodeId, int count) {
      calls.incrementAndGet();
      new InFlightCount(nodeId, -count, 0).process(entry(tenant));
      return Future.succeededFuture();
    }

    @Override
    public synchronized Future<Void> forget(String nodeId) {
      List.copyOf(inFlight.keySet()).forEach(t -> InFlightCount.forget(nodeId).process(entry(t)));
      return Future.succeededFuture();
    }

    synchronized int inFlight(String tenant) {
      return inFlight.getOrDefault(tenant, new HashMap<>()).values().stream().mapToInt(Integer::intValue).sum();
    }

    private Map.Entry<String, HashMap<String, Integer>> entry(String tenant) {
      HashMap<String, Integer> current = inFlight.get(tenant);
      return new AbstractMap.SimpleEntry<>(tenant, current == null ? null : new HashMap<>(current)) {
        @Override
        public HashMap<String, Integer> setValue(HashMap<String, Integer> value) {
          if (value == null) {
            inFlight.remove(tenant);
          } else {
            inFlight.put(tenant, value);
          }
          return super.setValue(value);
        }
      };
    }
  }

  final MemoryCounters counters = new MemoryCounters();
  final AtomicLong now = new AtomicLong(1_000 * TenantLimits.DAY_MS + 5_000); // 00:00:05 UTC of some day
  final TenantLimits nodeA = new TenantLimits(counters, "a", now::get);
  final TenantLimits nodeB = new TenantLimits(counters, "b", now::get);

  static Tenant tenant(Integer rpm, Integer jobs, Integer images) {
    return new Tenant("acme", rpm, jobs, images, 1, List.of("m*"), true);
  }

  static ErrorCode refusal(Future<?> f) {
    assertTrue(f.failed(), "refused");
    return ((ApiException) f.cause()).code();
  }

  @Test
  @DisplayName("rpm 300 over two nodes: exactly 300 a minute, leased 3 at a time; the next minute starts afresh")
  void requestsPerMinute() {
    Tenant t = tenant(300, null, null);
    int accepted = 0;
    for (int i = 0; i < 400; i++) {
      if ((i % 2 == 0 ? nodeA : nodeB).admit(t, "model", 1).succeeded()) {
        accepted++;
      }
    }
    assertEquals(300, accepted);
    assertEquals(300L, counters.windows.get("rpm|acme|" + now.get() / TenantLimits.MINUTE_MS));
    assertTrue(counters.calls.get() <= 300 / 3 + 200, "leases, not a call per request: " + counters.calls.get());
    assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, refusal(nodeA.admit(t, "model", 1)));
    assertEquals(55, ((ApiException) nodeA.admit(t, "model", 1).cause()).retryAfterSeconds(), "to the next minute");
    now.addAndGet(TenantLimits.MINUTE_MS);
    assertTrue(nodeA.admit(t, "model", 1).succeeded());
    assertEquals(299, nodeA.state(t, Kind.REQUESTS).remaining());
  }

  @Test
  @DisplayName("maxConcurrentJobs 2 over two nodes: a third is refused until a job ends, then its place is free at once")
  void jobsAtOnce() {
    Tenant t = tenant(null, 2, null);
    TenantAdmission one = nodeA.admit(t, "model", 1).result();
    one.handOver("job-1");
    TenantAdmission two = nodeB.admit(t, "model", 1).result();
    two.handOver("job-2");
    assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, refusal(nodeA.admit(t, "model", 1)));
    assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, refusal(nodeB.admit(t, "model", 1)));
    one.close(); // the request ends: its job still runs
    assertEquals(2, counters.inFlight("acme"));
    nodeA.ended(ended("job-1", true));
    assertEquals(1, counters.inFlight("acme"), "a place under a whole lease goes back at once");
    assertTrue(nodeB.admit(t, "model", 1).succeeded());
    // A node that dies takes its places with it.
    nodeA.nodeLeft("b");
    assertEquals(0, counters.inFlight("acme"));
  }

  @Test
  @DisplayName("imagesPerDay 5: n=3 passes, n=3 is refused with the time to midnight and takes nothing; a failed job gives its image back")
  void imagesPerDay() {
    Tenant t = tenant(null, null, 5);
    TenantAdmission three = nodeA.admit(t, "model", 3).result();
    List.of("i1", "i2", "i3").forEach(three::handOver);
    Future<TenantAdmission> over = nodeB.admit(t, "model", 3);
    assertEquals(ErrorCode.INSUFFICIENT_QUOTA, refusal(over));
    assertEquals(TenantLimits.DAY_MS / 1000 - 5, ((ApiException) over.cause()).retryAfterSeconds());
    nodeA.ended(ended("i1", false)); // failed: no image
    assertTrue(nodeA.admit(t, "model", 3).succeeded(), "2 left + 1 given back");
    assertEquals(ErrorCode.INSUFFICIENT_QUOTA, refusal(nodeA.admit(t, "model", 1)));
  }

  @Test
  @DisplayName("a refusal by a later limit gives back the request it took; a model outside the list is 403")
  void refusalsTakeNothing() {
    Tenant t = tenant(2, 1, null);
    TenantAdmission held = nodeA.admit(t, "model", 1).result();
    held.handOver("held");
    assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, refusal(nodeA.admit(t, "model", 1))); // no place: request given back
    nodeA.ended(ended("held", true));
    assertTrue(nodeA.admit(t, "model", 1).succeeded(), "the refused request did not count");
    assertEquals(ErrorCode.MODEL_NOT_ALLOWED, refusal(nodeA.admit(t, "other", 1)));
  }

  static EndedJob ended(String id, boolean done) {
    return new EndedJob(id, "model", done ? "done" : "generation_failed", 0, 0, 0, "w", 1, null, done ? 1 : 0);
  }
}

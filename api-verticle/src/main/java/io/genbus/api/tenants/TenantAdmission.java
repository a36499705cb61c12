package io.genbus.api.tenants;

import io.genbus.api.tenants.TenantLimits.Kind;
import io.genbus.protocol.JobOrigin;

/**
 * What one admitted request holds of its tenant's limits: its jobs' places in flight and their images of
 * the day. Each job the request queues is handed over ({@link #handOver}): from then on the job gives its
 * place back when it ends, and its image if it delivered none. What was never handed over (the request
 * failed before queueing, or the client left) is given back when the request ends ({@link #close}).
 */
public final class TenantAdmission {

  private final TenantLimits limits;
  private final Tenant tenant;
  long requestWindow = -1;
  int inFlight;
  private int images;
  private long imagesWindow;
  private boolean closed;

  TenantAdmission(TenantLimits limits, Tenant tenant) {
    this.limits = limits;
    this.tenant = tenant;
  }

  public Tenant tenant() {
    return tenant;
  }

  /** The origin of a job of this request, as it travels with the job. */
  public JobOrigin origin(String keyId, String endpoint, String requestId) {
    return new JobOrigin(tenant.name(), keyId, endpoint, requestId);
  }

  /**
   * Job {@code jobId} (one of this request's) is about to be queued: its share now ends with the job. Call
   * {@link #takeBack} if it could not be queued after all.
   */
  public void handOver(String jobId) {
    synchronized (limits) {
      if (closed || (inFlight == 0 && images == 0)) {
        return;
      }
      inFlight = Math.max(0, inFlight - 1);
      images = Math.max(0, images - 1);
    }
    limits.handedOver(jobId, this);
  }

  /** Job {@code jobId} was handed over but never queued: its share is the request's again. */
  public void takeBack(String jobId) {
    if (limits.takeBack(jobId)) {
      synchronized (limits) {
        inFlight += tenant.maxConcurrentJobs() == null ? 0 : 1;
        images += tenant.imagesPerDay() == null ? 0 : 1;
      }
    }
  }

  /** The request ended: whatever it did not hand over is given back. */
  public void close() {
    int freeJobs;
    int freeImages;
    synchronized (limits) {
      if (closed) {
        return;
      }
      closed = true;
      freeJobs = inFlight;
      freeImages = images;
      inFlight = 0;
      images = 0;
    }
    limits.releaseInFlight(tenant, freeJobs);
    limits.giveBack(tenant, Kind.IMAGES, freeImages, imagesWindow);
  }

  void tookImages(int count, long window) {
    synchronized (limits) {
      images = count;
      imagesWindow = window;
    }
  }

  /** A later limit refused the request: what the earlier ones took goes back. */
  void refused() {
    limits.giveBack(tenant, Kind.REQUESTS, requestWindow < 0 ? 0 : 1, requestWindow);
    int free;
    synchronized (limits) {
      free = inFlight;
      inFlight = 0;
      closed = true;
    }
    limits.releaseInFlight(tenant, free);
  }

  /** A handed-over job ended; {@code delivered}: it produced its image. */
  void jobEnded(boolean delivered) {
    if (tenant.maxConcurrentJobs() != null) {
      limits.releaseInFlight(tenant, 1);
    }
    if (!delivered && tenant.imagesPerDay() != null) {
      limits.giveBack(tenant, Kind.IMAGES, 1, imagesWindow);
    }
  }
}

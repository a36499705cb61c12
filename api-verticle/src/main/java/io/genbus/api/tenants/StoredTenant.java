package io.genbus.api.tenants;

import java.util.List;

/**
 * A tenant created at runtime (the admin API), as PostgreSQL keeps it. A null limit means unlimited; null
 * {@code models} means every model.
 *
 * @param name              unique name
 * @param rpm               accepted requests a minute, across the cluster
 * @param maxConcurrentJobs jobs queued and running at once, across the cluster
 * @param imagesPerDay      images a UTC day
 * @param priority          weight in fair share (1 when not given)
 * @param models            allowed models (exact names or {@code prefix-*} patterns)
 */
public record StoredTenant(String name, Integer rpm, Integer maxConcurrentJobs, Integer imagesPerDay, int priority,
                           List<String> models) {

  public StoredTenant {
    models = models == null ? null : List.copyOf(models);
  }
}

package io.genbus.protocol;

/** Asks a worker node's control address for its {@link WorkerStats}. */
public record StatusRequest() {
}

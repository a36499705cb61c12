package io.genbus.api.observability;

import io.genbus.api.limits.ConversionGate;
import io.genbus.api.limits.NodeLimits;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * How close this API node is to its limits: {@code genbus_open_requests{kind="all"|"streams"}},
 * {@code genbus_held_bytes} against {@code genbus_held_bytes_max}, and
 * {@code genbus_image_conversions{state="running"|"waiting"}} against {@code genbus_image_conversion_slots}.
 */
public final class LimitMetrics {

  private final MeterRegistry registry;

  public LimitMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public void watch(NodeLimits limits, ConversionGate conversions) {
    Gauge.builder("genbus.open.requests", limits, NodeLimits::openJobs)
        .description("Chat requests open on this API node").tag("kind", "all").register(registry);
    Gauge.builder("genbus.open.requests", limits, NodeLimits::openStreams)
        .description("Chat requests open on this API node").tag("kind", "streams").register(registry);
    Gauge.builder("genbus.held.bytes", limits, NodeLimits::heldBytes)
        .description("Bytes held by open requests (bodies, prompts, converted input images)").register(registry);
    Gauge.builder("genbus.held.bytes.max", limits, NodeLimits::maxBytes)
        .description("Bytes open requests may hold before new ones get 429 node_busy").register(registry);
    Gauge.builder("genbus.image.conversions", conversions, ConversionGate::running)
        .description("Input image conversions").tag("state", "running").register(registry);
    Gauge.builder("genbus.image.conversions", conversions, ConversionGate::waiting)
        .description("Input image conversions").tag("state", "waiting").register(registry);
    Gauge.builder("genbus.image.conversion.slots", conversions, ConversionGate::slots)
        .description("Input image conversions that may run at once, from the heap and the cores").register(registry);
  }
}

package io.genbus.api.observability;

import io.genbus.api.limits.ConversionGate;
import io.genbus.api.limits.NodeLimits;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;

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
    String open = "Chat requests open on this API node";
    gauge("genbus.open.requests", open, limits, NodeLimits::openJobs, "kind", "all");
    gauge("genbus.open.requests", open, limits, NodeLimits::openStreams, "kind", "streams");
    gauge("genbus.held.bytes", "Bytes held by open requests (bodies, prompts, converted input images)",
        limits, NodeLimits::heldBytes);
    gauge("genbus.held.bytes.max", "Bytes open requests may hold before new ones get 429 node_busy",
        limits, NodeLimits::maxBytes);
    String conversionsNow = "Input image conversions";
    gauge("genbus.image.conversions", conversionsNow, conversions, ConversionGate::running, "state", "running");
    gauge("genbus.image.conversions", conversionsNow, conversions, ConversionGate::waiting, "state", "waiting");
    gauge("genbus.image.conversion.slots", "Input image conversions that may run at once, from the heap and the cores",
        conversions, ConversionGate::slots);
  }

  private <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value, String... tags) {
    Gauge.builder(name, source, value).description(description).tags(tags).register(registry);
  }
}

package io.genbus.api.usage;

/** Where finished jobs go: called on an event loop, so it must never block (buffer, write later). */
public interface UsageSink {

  void record(UsageRow row);
}

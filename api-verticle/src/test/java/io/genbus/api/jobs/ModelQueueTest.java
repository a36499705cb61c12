package io.genbus.api.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.protocol.Job;
import io.genbus.protocol.JobOrigin;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("a model's line: weighted fair among tenants, FIFO within one")
class ModelQueueTest {

  final ModelQueue queue = new ModelQueue(tenant -> Map.of("gold", 2).getOrDefault(tenant, 1));

  static TrackedJob job(String tenant, String id) {
    Job job = new Job(id, "m", "p", null, "events", 0, List.of()).withOrigin(new JobOrigin(tenant, "k", "/e", id));
    return new TrackedJob(job, null);
  }

  List<String> drain() {
    List<String> order = new ArrayList<>();
    while (!queue.isEmpty()) {
      order.add(queue.poll().id());
    }
    return order;
  }

  @Test
  @DisplayName("one tenant: first in, first out; positions exact")
  void fifo() {
    List<TrackedJob> jobs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      jobs.add(job("a", "a" + i));
      queue.addLast(jobs.get(i));
    }
    for (int i = 0; i < 5; i++) {
      assertEquals(i + 1, queue.position(jobs.get(i)));
    }
    assertEquals(List.of("a0", "a1", "a2", "a3", "a4"), drain());
  }

  @Test
  @DisplayName("A has 1,000 waiting, B's first job goes next; then they alternate")
  void newcomerWaitsOneTurn() {
    for (int i = 0; i < 1000; i++) {
      queue.addLast(job("a", "a" + i));
    }
    queue.poll(); // a0 runs
    TrackedJob b = job("b", "b0");
    queue.addLast(b);
    assertTrue(queue.position(b) <= 2, "position " + queue.position(b));
    List<String> next = List.of(queue.poll().id(), queue.poll().id());
    assertTrue(next.contains("b0"), next.toString());
  }

  @Test
  @DisplayName("priority 2 gets two turns to one while both wait; a job sent back goes first")
  void weights() {
    for (int i = 0; i < 6; i++) {
      queue.addLast(job("gold", "g" + i));
      queue.addLast(job("plain", "p" + i));
    }
    TrackedJob back = job("plain", "back");
    queue.addFirst(back);
    assertEquals(1, queue.position(back));
    List<String> order = drain();
    assertEquals("back", order.get(0));
    List<String> first9 = order.subList(1, 10);
    assertEquals(6, first9.stream().filter(id -> id.startsWith("g")).count(), first9.toString());
    assertEquals(List.of("g0", "g1", "g2", "g3", "g4", "g5"), order.stream().filter(id -> id.startsWith("g")).toList());
  }

  @Test
  @DisplayName("a job leaving from the middle: the others keep their order")
  void removal() {
    TrackedJob a1 = job("a", "a1");
    queue.addLast(job("a", "a0"));
    queue.addLast(a1);
    queue.addLast(job("b", "b0"));
    queue.remove(a1);
    assertEquals(2, queue.size());
    assertEquals(List.of("a0", "b0"), drain());
  }
}

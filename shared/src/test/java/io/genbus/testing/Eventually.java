package io.genbus.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a state that comes about by itself (cluster membership spreading, a listener closing, a counter
 * a scraper reads) by asking for it again until it holds. The one place tests wait on a condition: where an
 * event can be awaited (a future, a message, a job reaching a {@code Gate}), tests await it instead.
 *
 * <p>The deadline only tells a hang from a slow machine, so it is generous: it never measures speed, and a
 * passing test never waits for it. A condition that throws fails at once (a crashed process is no reason
 * to wait).
 */
public final class Eventually {

  /** How long a condition gets when the test names no bound of its own. */
  public static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final long FIRST_PAUSE_MS = 10;
  private static final long LONGEST_PAUSE_MS = 200;

  private Eventually() {
  }

  /** Asks {@code condition} until it holds; fails after {@link #PATIENCE} naming {@code what}. */
  public static void eventually(String what, BooleanSupplier condition) {
    eventually(PATIENCE, what, condition);
  }

  /** Asks {@code condition} until it holds; fails after {@code timeout} naming {@code what}. */
  public static void eventually(Duration timeout, String what, BooleanSupplier condition) {
    poll(timeout, what, condition::getAsBoolean, Boolean::booleanValue, false);
  }

  /**
   * Asks {@code probe} until {@code accepted} takes its answer, and returns that answer for further
   * assertions; a failure shows the last answer seen.
   */
  public static <T> T eventually(String what, Supplier<T> probe, Predicate<? super T> accepted) {
    return eventually(PATIENCE, what, probe, accepted);
  }

  /** As {@link #eventually(String, Supplier, Predicate)}, failing after {@code timeout}. */
  public static <T> T eventually(Duration timeout, String what, Supplier<T> probe, Predicate<? super T> accepted) {
    return poll(timeout, what, probe, accepted, true);
  }

  private static <T> T poll(Duration timeout, String what, Supplier<T> probe, Predicate<? super T> accepted,
                            boolean showAnswer) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = FIRST_PAUSE_MS;
    while (true) {
      T answer = probe.get();
      if (accepted.test(answer)) {
        return answer;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what
            + (showAnswer ? " (last seen: " + answer + ")" : ""));
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting: " + what, e);
      }
      pause = Math.min(LONGEST_PAUSE_MS, pause * 2);
    }
  }
}

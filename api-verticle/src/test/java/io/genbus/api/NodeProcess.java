package io.genbus.api;

import static io.genbus.testing.Eventually.eventually;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A genbus node as a real process, started from one of the built jars, its output in a log file.
 *
 * @param id what the {@code ready} pattern's first group matched in its log (a node id, a port)
 */
record NodeProcess(Process process, String id, Path log) {

  /**
   * Starts {@code java -jar jar args…} and waits (up to 150 s: a loaded machine starts a JVM slowly) until its
   * log matches {@code ready}; the process is added to {@code started} so the test can stop it.
   */
  static NodeProcess start(String name, Path dir, String jar, List<String> args, Pattern ready, List<Process> started)
      throws IOException {
    Path log = dir.resolve(name + ".log");
    // the JVM flags every genbus process runs with (deploy/jvm.flags)
    List<String> command = new ArrayList<>(List.of("java", "@" + System.getProperty("genbus.jvmFlags"), "-Xmx256m", "-jar", jar));
    command.addAll(args);
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    started.add(process);
    String[] group = new String[1];
    eventually(Duration.ofSeconds(150), name + " ready", () -> {
      assertTrue(process.isAlive(), name + " exited: " + read(log));
      Matcher m = ready.matcher(read(log));
      if (m.find()) {
        group[0] = m.group(1);
        return true;
      }
      return false;
    });
    // started as operators start it (java -jar, no pool flag): the node sized the pool before Hazelcast used it
    assertFalse(read(log).contains("fork-join pool"), read(log));
    return new NodeProcess(process, group[0], log);
  }

  static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }
}

package io.genbus.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real, throwaway PostgreSQL server for tests (Debian's {@code postgresql} package, which {@code .ci/run}
 * installs): a cluster made by {@code initdb} in a temporary directory, started with {@code pg_ctl} on a free
 * loopback port, with a database and a user that logs in with a password over TCP (SCRAM), as genbus would
 * in production. The server refuses to run as root, so as root every binary runs as {@code postgres}
 * ({@code runuser}) and the directory belongs to it; as another user the binaries run directly.
 *
 * <p>{@link #stop()} and {@link #start()} stop and start the same server on the same port (for outage tests);
 * {@link #close()} stops it and deletes its files, and a JVM shutdown hook does so if a test never closes it.
 * Durability is traded for speed ({@code fsync=off}): a fast or clean stop loses nothing.
 */
public final class PostgresServer implements AutoCloseable {

  public static final String USER = "genbus";
  public static final String DATABASE = "genbus";
  private static final String SUPERUSER = "postgres";
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  private final Path bin;
  private final Path dir;
  private final Path data;
  private final int port;
  private final String password = UUID.randomUUID().toString().replace("-", "");
  private final Thread cleanup;
  private boolean running;

  private PostgresServer(Path bin, Path dir, int port) {
    this.bin = bin;
    this.dir = dir;
    this.data = dir.resolve("data");
    this.port = port;
    this.cleanup = new Thread(this::destroy, "postgres-cleanup");
  }

  private static PostgresServer shared;

  /**
   * One server for the whole test JVM, started on first use and removed when the JVM exits: tests that do not
   * stop it share it, each in a database of its own ({@link #createDatabase}), and save an initdb each.
   */
  public static synchronized PostgresServer shared() {
    if (shared == null) {
      shared = launch();
    }
    return shared;
  }

  /** A new server, initialized and started, with {@link #DATABASE} owned by {@link #USER}. */
  public static PostgresServer launch() {
    Path bin = binaries();
    Path dir;
    try {
      dir = Files.createTempDirectory("genbus-pg");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      if (ROOT) {
        UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(dir, users.lookupPrincipalByName(SUPERUSER));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    PostgresServer server = new PostgresServer(bin, dir, freePort());
    Runtime.getRuntime().addShutdownHook(server.cleanup);
    try {
      server.run(List.of("initdb", "-D", server.data.toString(), "-U", SUPERUSER, "-E", "UTF8", "--no-locale",
          "--auth-local=trust", "--auth-host=scram-sha-256"), 120);
      server.startServer();
      server.psql(SUPERUSER, "CREATE ROLE " + USER + " LOGIN PASSWORD '" + server.password + "'");
      server.createDatabase(DATABASE);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The newest {@code /usr/lib/postgresql/<version>/bin} with {@code pg_ctl}. */
  private static Path binaries() {
    Path root = Path.of("/usr/lib/postgresql");
    try (Stream<Path> versions = Files.isDirectory(root) ? Files.list(root) : Stream.empty()) {
      return versions.map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparingInt(b -> versionOf(b.getParent())))
          .orElseThrow(() -> new IllegalStateException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl):"
              + " apt-get install postgresql (.ci/run does)"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int versionOf(Path dir) {
    try {
      return Integer.parseInt(dir.getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  public String password() {
    return password;
  }

  /** {@code postgresql://genbus:<password>@127.0.0.1:<port>/genbus}: genbus's {@code db.url}. */
  public String url() {
    return url(DATABASE);
  }

  /** The {@code db.url} of another database of this server (see {@link #createDatabase}). */
  public String url(String database) {
    return "postgresql://" + USER + ":" + password + "@127.0.0.1:" + port + "/" + database;
  }

  /** The same database for JDBC (user and password apart). */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** A new empty database owned by {@link #USER}. */
  public void createDatabase(String name) {
    psql(SUPERUSER, "CREATE DATABASE \"" + name + "\" OWNER " + USER);
  }

  /** A new empty database with a random name (owned by {@link #USER}); returns its name. */
  public String freshDatabase() {
    String name = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    createDatabase(name);
    return name;
  }

  /** Runs SQL as the superuser over the server's socket and returns what psql printed (unaligned, tuples only). */
  public String psql(String database, String sql) {
    return run(List.of("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", dir.toString(), "-p",
        String.valueOf(port), "-U", SUPERUSER, "-d", database.equals(SUPERUSER) ? "postgres" : database, "-c", sql), 60);
  }

  /** Starts the server again after {@link #stop()}: same data, same port. */
  public synchronized void start() {
    if (!running) {
      startServer();
    }
  }

  /** A fast shutdown ({@code pg_ctl stop -m fast}): open connections are cut, as in a database restart. */
  public synchronized void stop() {
    if (running) {
      run(List.of("pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop"), 90);
      running = false;
    }
  }

  private synchronized void startServer() {
    String options = "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
        + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=60";
    run(List.of("pg_ctl", "-D", data.toString(), "-l", dir.resolve("log").toString(), "-w", "-t", "60", "-o", options,
        "start"), 90);
    running = true;
  }

  @Override
  public void close() {
    destroy();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs (or ran) destroy itself
    }
  }

  private synchronized void destroy() {
    if (running) {
      try {
        run(List.of("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "-t", "30", "stop"), 60);
      } catch (RuntimeException e) {
        // deleting the directory below still frees the disk; the server dies without its files
      }
      running = false;
    }
    try (Stream<Path> paths = Files.exists(dir) ? Files.walk(dir) : Stream.empty()) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      // a temporary directory: the OS cleans it eventually
    }
  }

  /** Runs a PostgreSQL binary (as {@code postgres} when we are root) and returns its output; fails on a non-zero exit. */
  private String run(List<String> command, long timeoutSeconds) {
    List<String> full = new ArrayList<>();
    if (ROOT) {
      full.addAll(List.of("runuser", "-u", SUPERUSER, "--"));
    }
    full.add(bin.resolve(command.get(0)).toString());
    full.addAll(command.subList(1, command.size()));
    try {
      Path out = Files.createTempFile("genbus-pg-cmd", ".out");
      try {
        Process process = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(out.toFile())
            .directory(Path.of("/").toFile()).start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException(command.get(0) + " did not finish within " + timeoutSeconds + " s");
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
          throw new IllegalStateException(command.get(0) + " failed (exit " + process.exitValue() + "): " + output
              + logTail());
        }
        return output.strip();
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private String logTail() {
    try {
      Path log = dir.resolve("log");
      if (!Files.exists(log)) {
        return "";
      }
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "\nserver log:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }
}

package io.genbus.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The top-level {@code db} section: where usage history and runtime tenants are kept (PostgreSQL). Without
 * {@code url} nothing is persisted: usage is counted in cluster memory only.
 *
 * @param url         {@code postgresql://user:password@host:port/database}, optionally {@code ?sslmode=require} or
 *                    {@code verify-full}; null = no database (env {@code GENBUS_DB_URL})
 * @param bufferRows  usage rows an API node keeps while the database is unreachable (100,000); past that the
 *                    oldest are dropped and counted
 * @param batchRows   rows written in one batch (500)
 * @param flushMillis how often buffered rows are written (1000), or sooner once {@code batchRows} wait
 * @param poolSize    connections an API node keeps to the database (4)
 */
public record DbConfig(String url, Integer bufferRows, Integer batchRows, Integer flushMillis, Integer poolSize) {

  private static final Set<String> SCHEMES = Set.of("postgresql", "postgres");
  private static final Set<String> SSL_MODES = Set.of("disable", "require", "verify-full");

  public DbConfig {
    url = url == null || url.isBlank() ? null : url.trim();
    bufferRows = Checks.range("db.bufferRows", bufferRows, 100_000, 1, 10_000_000);
    batchRows = Checks.range("db.batchRows", batchRows, 500, 1, 10_000);
    flushMillis = Checks.range("db.flushMillis", flushMillis, 1000, 10, 60_000);
    poolSize = Checks.range("db.poolSize", poolSize, 4, 1, 64);
    if (url != null) {
      parse(url); // refuses a malformed URL at startup, naming the key but never the password
    }
  }

  public static DbConfig defaults() {
    return new DbConfig(null, null, null, null, null);
  }

  /** Whether a database is configured. */
  public boolean enabled() {
    return url != null;
  }

  /** The parts of {@link #url}; only when {@link #enabled()}. */
  public Target target() {
    return parse(url);
  }

  /** The URL with its password replaced by {@code ***}, for logs and messages; null without a database. */
  public String maskedUrl() {
    return url == null ? null : target().masked();
  }

  /** Never the password: a config may be logged. */
  @Override
  public String toString() {
    return "DbConfig[url=" + maskedUrl() + ", bufferRows=" + bufferRows + ", batchRows=" + batchRows
        + ", flushMillis=" + flushMillis + ", poolSize=" + poolSize + "]";
  }

  /**
   * A parsed {@code db.url}.
   *
   * @param sslMode {@code disable} (default), {@code require} (encrypted, any certificate) or {@code verify-full}
   *                (encrypted, certificate and host name checked against the JVM's trusted CAs)
   */
  public record Target(String host, int port, String database, String user, String password, String sslMode) {

    /** The same server for JDBC (Flyway's migration step); user and password are given apart. */
    public String jdbcUrl() {
      return "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database
          + "?sslmode=" + sslMode;
    }

    String masked() {
      return "postgresql://" + user + (password == null ? "" : ":***") + "@" + host + ":" + port + "/" + database
          + (sslMode.equals("disable") ? "" : "?sslmode=" + sslMode);
    }

    /** Never the password. */
    @Override
    public String toString() {
      return masked();
    }
  }

  private static Target parse(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      // The URISyntaxException's message quotes the whole input, password included: say where, not what.
      throw new ConfigException("db.url is not a valid URL (postgresql://user:password@host:5432/database); "
          + "the error is at character " + e.getIndex());
    }
    if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme())) {
      throw new ConfigException("db.url must start with postgresql:// (postgresql://user:password@host:5432/database)");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new ConfigException("db.url has no host (postgresql://user:password@host:5432/database)");
    }
    String database = uri.getRawPath() == null ? "" : decode(uri.getRawPath().replaceFirst("^/", ""));
    if (database.isEmpty() || database.contains("/")) {
      throw new ConfigException("db.url must name one database after the host (postgresql://user:password@host:5432/database)");
    }
    String userInfo = uri.getRawUserInfo();
    if (userInfo == null || userInfo.isEmpty() || userInfo.startsWith(":")) {
      throw new ConfigException("db.url must name a user (postgresql://user:password@host:5432/database)");
    }
    int colon = userInfo.indexOf(':');
    String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
    String password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
    String sslMode = "disable";
    if (uri.getRawQuery() != null) {
      for (String param : uri.getRawQuery().split("&")) {
        String[] kv = param.split("=", 2);
        if (!kv[0].equals("sslmode") || kv.length < 2 || !SSL_MODES.contains(kv[1])) {
          throw new ConfigException("db.url: the only query parameter understood is sslmode=disable|require|verify-full, not "
              + kv[0]);
        }
        sslMode = kv[1];
      }
    }
    int port = uri.getPort() < 0 ? 5432 : uri.getPort();
    String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
    return new Target(host, port, database, user, password, sslMode);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}

package io.genbus.cluster;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** {@code genbus certs DIR [--hosts H1,H2] [--ca CADIR] [--secret FILE] [--days N]}: see {@link #USAGE}. */
public final class CertsMain {

  public static final String USAGE = """
      usage: genbus certs DIR [--hosts H1,H2,...] [--ca CADIR] [--secret FILE] [--days N]
        Makes the TLS material of a cluster (nodes read it with --tls DIR; see SECURITY.md).
        Without --ca: a new cluster CA (ca.pem, ca-key.pem), a node certificate valid for the hosts plus
          localhost and 127.0.0.1 (node.pem, node-key.pem), and a new cluster secret (cluster.key; --secret FILE
          copies an existing one instead, to keep it when only the CA is replaced).
        With --ca CADIR: another node certificate from the CA in CADIR, written to DIR with copies of ca.pem and
          cluster.key: what one host needs, without the CA's key.
        --days N: how long the node certificate is valid (default %d; the CA: %d days).
        Existing files are never overwritten.""".formatted(ClusterCerts.NODE_DAYS, ClusterCerts.CA_DAYS);

  private CertsMain() {
  }

  public static void main(String[] args) {
    try {
      run(args);
    } catch (IllegalArgumentException e) {
      System.err.println("genbus certs: " + e.getMessage());
      System.exit(2);
    } catch (RuntimeException e) {
      System.err.println("genbus certs: " + e.getMessage());
      System.exit(1);
    }
  }

  static void run(String[] args) {
    Path dir = null;
    Path ca = null;
    Path secret = null;
    List<String> hosts = List.of();
    int days = ClusterCerts.NODE_DAYS;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h") || arg.equals("--help")) {
        System.out.println(USAGE);
        return;
      }
      if (!arg.startsWith("--")) {
        if (dir != null) {
          throw new IllegalArgumentException("one directory only, got " + dir + " and " + arg + "\n" + USAGE);
        }
        dir = Path.of(arg);
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + arg + "\n" + USAGE);
      }
      String value = args[++i];
      switch (arg) {
        case "--hosts" -> hosts = Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        case "--ca" -> ca = Path.of(value);
        case "--secret" -> secret = Path.of(value);
        case "--days" -> days = days(value);
        default -> throw new IllegalArgumentException("unknown option " + arg + "\n" + USAGE);
      }
    }
    if (dir == null) {
      throw new IllegalArgumentException("which directory?\n" + USAGE);
    }
    if (ca != null && secret != null) {
      throw new IllegalArgumentException("--secret goes with a new CA; with --ca the secret is CADIR's cluster.key");
    }
    if (ca != null) {
      ClusterCerts.issue(ca, dir, hosts, days);
      System.out.println("genbus certs: wrote " + dir + "/{ca.pem,node.pem,node-key.pem,cluster.key}, a node certificate"
          + " from the CA in " + ca + " for " + names(hosts) + ". Start the node with: --tls " + dir);
    } else {
      ClusterCerts.create(dir, hosts, days, secret);
      System.out.println("genbus certs: wrote " + dir + "/{ca.pem,ca-key.pem,node.pem,node-key.pem,cluster.key}: a new"
          + " cluster CA and a node certificate for " + names(hosts) + ".\n"
          + "  Copy ca.pem, node.pem, node-key.pem and cluster.key to every node (or issue one certificate per host with"
          + " --ca " + dir + ") and start each with --tls DIR. Keep ca-key.pem off the nodes.");
    }
  }

  private static String names(List<String> hosts) {
    return hosts.isEmpty() ? "localhost and 127.0.0.1" : String.join(", ", hosts) + " (and localhost, 127.0.0.1)";
  }

  private static int days(String value) {
    try {
      int days = Integer.parseInt(value);
      if (days >= 1 && days <= ClusterCerts.CA_DAYS) {
        return days;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException("--days must be a number of days from 1 to " + ClusterCerts.CA_DAYS
        + ", not '" + value + "'");
  }
}

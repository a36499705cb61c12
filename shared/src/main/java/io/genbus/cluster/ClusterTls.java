package io.genbus.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A node's cluster TLS material, read from the directory given with {@code --tls} (made by
 * {@code genbus certs}, see {@link ClusterCerts}): the CA certificate(s) it trusts, its own certificate and
 * key (mutual TLS on the event bus), and the cluster secret that seals what travels through Hazelcast
 * ({@link ClusterSeal}).
 *
 * @param dir     the directory
 * @param ca      {@code ca.pem}: one or more CA certificates (old and new during a rollover)
 * @param cert    {@code node.pem}: this node's certificate, signed by a CA in {@code ca.pem}
 * @param key     {@code node-key.pem}: its private key (PKCS#8)
 * @param secret  the decoded {@code cluster.key}
 */
public record ClusterTls(Path dir, Path ca, Path cert, Path key, byte[] secret) {

  public static final String CA = "ca.pem";
  public static final String CA_KEY = "ca-key.pem";
  public static final String NODE = "node.pem";
  public static final String NODE_KEY = "node-key.pem";
  public static final String SECRET = "cluster.key";
  /** Bytes of secret at least: 256 bits. */
  static final int SECRET_BYTES = 32;

  /** Reads {@code dir}; a missing or unusable file is an {@link IllegalArgumentException} naming it. */
  public static ClusterTls load(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--tls " + dir + ": no such directory (make one with: genbus certs " + dir + ")");
    }
    for (String name : List.of(CA, NODE, NODE_KEY, SECRET)) {
      if (!Files.isReadable(dir.resolve(name))) {
        throw new IllegalArgumentException("--tls " + dir + ": " + name + " is missing or unreadable"
            + " (the directory needs " + CA + ", " + NODE + ", " + NODE_KEY + " and " + SECRET + "; see genbus certs)");
      }
    }
    return new ClusterTls(dir, dir.resolve(CA), dir.resolve(NODE), dir.resolve(NODE_KEY), readSecret(dir.resolve(SECRET)));
  }

  static byte[] readSecret(Path file) {
    byte[] secret;
    try {
      secret = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + " is not base64 (make it with genbus certs, or:"
          + " head -c 32 /dev/urandom | base64)");
    }
    if (secret.length < SECRET_BYTES) {
      throw new IllegalArgumentException(file + " holds " + secret.length + " bytes; the cluster secret needs at least "
          + SECRET_BYTES);
    }
    return secret;
  }

  /** What an operator should hear about at startup: key files others can read, the CA's key on a node. */
  public List<String> warnings() {
    List<String> warnings = new ArrayList<>();
    for (Path secretFile : List.of(key, dir.resolve(SECRET))) {
      Set<PosixFilePermission> open = readableByOthers(secretFile);
      if (!open.isEmpty()) {
        warnings.add(secretFile + " can be read by other users (" + open + "): chmod 600 it");
      }
    }
    if (Files.exists(dir.resolve(CA_KEY))) {
      warnings.add(dir.resolve(CA_KEY) + " is on this node: nodes need only " + CA + ", " + NODE + ", " + NODE_KEY
          + " and " + SECRET + "; keep the CA key where certificates are made");
    }
    return warnings;
  }

  private static Set<PosixFilePermission> readableByOthers(Path file) {
    try {
      Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
      open.addAll(Files.getPosixFilePermissions(file));
      open.retainAll(EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ));
      return open;
    } catch (UnsupportedOperationException | IOException e) {
      return Set.of(); // not a POSIX file system: nothing to say
    }
  }
}

package io.genbus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("genbus certs")
class ClusterCertsTest {

  @TempDir
  Path dir;

  static X509Certificate cert(Path file) throws Exception {
    List<X509Certificate> certs = ClusterCerts.certificates(Files.readString(file));
    assertEquals(1, certs.size());
    return certs.get(0);
  }

  static Set<String> sans(X509Certificate cert) throws Exception {
    return cert.getSubjectAlternativeNames().stream().map(n -> n.get(1).toString()).collect(Collectors.toSet());
  }

  static String mode(Path file) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
  }

  @Test
  @DisplayName("a new cluster: CA, a node certificate for the hosts signed by it, a secret; keys mode 600")
  void create() throws Exception {
    Path certs = dir.resolve("cluster");
    CertsMain.run(new String[] {certs.toString(), "--hosts", "10.0.0.5,node-b.example,::1"});
    X509Certificate ca = cert(certs.resolve("ca.pem"));
    X509Certificate node = cert(certs.resolve("node.pem"));
    node.verify(ca.getPublicKey());
    node.checkValidity();
    assertEquals(Set.of("10.0.0.5", "node-b.example", "0:0:0:0:0:0:0:1", "localhost", "127.0.0.1"), sans(node));
    assertTrue(node.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")),
        "server and client authentication");
    assertEquals(0, ca.getBasicConstraints(), "a CA that signs node certificates only");
    assertEquals(-1, node.getBasicConstraints(), "not a CA");
    for (String secret : List.of("ca-key.pem", "node-key.pem", "cluster.key")) {
      assertEquals("rw-------", mode(certs.resolve(secret)), secret);
    }
    ClusterTls tls = ClusterTls.load(certs);
    assertEquals(32, tls.secret().length);
    assertEquals(List.of(certs.resolve("ca-key.pem") + " is on this node: nodes need only ca.pem, node.pem, node-key.pem"
        + " and cluster.key; keep the CA key where certificates are made"), tls.warnings());
  }

  @Test
  @DisplayName("--ca issues another host's certificate from the same CA, with the secret and without the CA key")
  void issue() throws Exception {
    Path cluster = dir.resolve("cluster");
    Path hostB = dir.resolve("host-b");
    CertsMain.run(new String[] {cluster.toString(), "--hosts", "10.0.0.5"});
    CertsMain.run(new String[] {hostB.toString(), "--ca", cluster.toString(), "--hosts", "10.0.0.6", "--days", "30"});
    X509Certificate node = cert(hostB.resolve("node.pem"));
    node.verify(cert(cluster.resolve("ca.pem")).getPublicKey());
    assertEquals(Set.of("10.0.0.6", "localhost", "127.0.0.1"), sans(node));
    assertTrue(node.getNotAfter().getTime() - System.currentTimeMillis() < 31L * 24 * 3600 * 1000);
    assertFalse(Files.exists(hostB.resolve("ca-key.pem")));
    assertEquals(Files.readString(cluster.resolve("cluster.key")), Files.readString(hostB.resolve("cluster.key")));
    assertEquals(List.of(), ClusterTls.load(hostB).warnings());
    assertNotEquals(Files.readString(cluster.resolve("node-key.pem")), Files.readString(hostB.resolve("node-key.pem")));
  }

  @Test
  @DisplayName("a new CA keeping the old secret (--secret); existing files are never overwritten")
  void rolloverAndNoOverwrite() throws Exception {
    Path old = dir.resolve("old");
    CertsMain.run(new String[] {old.toString()});
    Path next = dir.resolve("new");
    CertsMain.run(new String[] {next.toString(), "--secret", old.resolve("cluster.key").toString()});
    assertEquals(Files.readString(old.resolve("cluster.key")), Files.readString(next.resolve("cluster.key")));
    assertNotEquals(cert(old.resolve("ca.pem")).getSubjectX500Principal(), cert(next.resolve("ca.pem")).getSubjectX500Principal(),
        "old and new CA can share one trust bundle");
    String before = Files.readString(old.resolve("ca.pem"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CertsMain.run(new String[] {old.toString()}));
    assertTrue(e.getMessage().contains("refusing to overwrite"), e.getMessage());
    assertEquals(before, Files.readString(old.resolve("ca.pem")));
    assertThrows(IllegalArgumentException.class, () -> CertsMain.run(new String[] {dir.resolve("x").toString(), "--hosts", "a b"}));
    assertThrows(IllegalArgumentException.class, () -> CertsMain.run(new String[] {dir.resolve("y").toString(), "--days", "0"}));
  }

  @Test
  @DisplayName("--tls names what is missing")
  void missing() throws Exception {
    Path partial = Files.createDirectory(dir.resolve("partial"));
    Files.writeString(partial.resolve("ca.pem"), "x");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterTls.load(partial));
    assertTrue(e.getMessage().contains("node.pem is missing"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ClusterTls.load(dir.resolve("nowhere")));
    assertTrue(e.getMessage().contains("no such directory"), e.getMessage());
  }
}

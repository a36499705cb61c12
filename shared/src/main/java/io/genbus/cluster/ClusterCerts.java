package io.genbus.cluster;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes a cluster's TLS material ({@code genbus certs}): a CA, a node certificate and key signed by it, and
 * the cluster secret ({@link ClusterTls} reads them). EC P-256 keys, SHA-256 signatures; the JDK's own
 * providers do the cryptography, BouncyCastle only assembles the X.509 structures. Private keys and the
 * secret are written with mode 600, and no existing file is ever overwritten.
 */
public final class ClusterCerts {

  public static final int CA_DAYS = 3650;
  public static final int NODE_DAYS = 825;
  private static final String SIGNATURE = "SHA256withECDSA";
  private static final Pattern PEM_CERT = Pattern.compile(
      "-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\\s]+-----END CERTIFICATE-----");
  private static final Pattern PEM_KEY = Pattern.compile(
      "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private ClusterCerts() {
  }

  /**
   * A new cluster in {@code dir}: {@code ca.pem}, {@code ca-key.pem}, a {@code node.pem}/{@code node-key.pem}
   * valid for {@code hosts} (plus localhost and 127.0.0.1) and {@code cluster.key}, a new random secret or a
   * copy of {@code secretFrom} (to keep the secret when only the CA is replaced).
   */
  public static void create(Path dir, List<String> hosts, int nodeDays, Path secretFrom) {
    refuseExisting(dir, ClusterTls.CA, ClusterTls.CA_KEY, ClusterTls.NODE, ClusterTls.NODE_KEY, ClusterTls.SECRET);
    Set<String> names = subjectNames(hosts);
    byte[] secret = secretFrom != null ? ClusterTls.readSecret(secretFrom) : randomSecret();
    KeyPair caKeys = newKeyPair();
    X509Certificate ca = caCertificate(caKeys);
    mkdirs(dir);
    write(dir.resolve(ClusterTls.CA), pem("CERTIFICATE", encoded(ca)), false);
    write(dir.resolve(ClusterTls.CA_KEY), pem("PRIVATE KEY", caKeys.getPrivate().getEncoded()), true);
    writeNode(dir, ca, caKeys.getPrivate(), names, nodeDays, secret);
  }

  /**
   * Another node certificate from the CA in {@code caDir} (its {@code ca.pem}, {@code ca-key.pem} and
   * {@code cluster.key}), written to {@code dir} with copies of {@code ca.pem} and {@code cluster.key}: a
   * directory to hand to one host, without the CA's key.
   */
  public static void issue(Path caDir, Path dir, List<String> hosts, int nodeDays) {
    refuseExisting(dir, ClusterTls.CA, ClusterTls.NODE, ClusterTls.NODE_KEY, ClusterTls.SECRET);
    Set<String> names = subjectNames(hosts);
    String caBundle = read(caDir.resolve(ClusterTls.CA));
    PrivateKey caKey = readPrivateKey(caDir.resolve(ClusterTls.CA_KEY));
    X509Certificate ca = certificates(caBundle).stream().filter(c -> signsFor(caKey, c.getPublicKey())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(caDir.resolve(ClusterTls.CA_KEY)
            + " is not the key of any certificate in " + caDir.resolve(ClusterTls.CA)));
    byte[] secret = ClusterTls.readSecret(caDir.resolve(ClusterTls.SECRET));
    mkdirs(dir);
    write(dir.resolve(ClusterTls.CA), caBundle.getBytes(StandardCharsets.US_ASCII), false);
    writeNode(dir, ca, caKey, names, nodeDays, secret);
  }

  /** A new node key and certificate signed by {@code ca}, and the secret: what every node's directory holds. */
  private static void writeNode(Path dir, X509Certificate ca, PrivateKey caKey, Set<String> names, int days,
                                byte[] secret) {
    KeyPair nodeKeys = newKeyPair();
    X509Certificate node = nodeCertificate(ca, caKey, nodeKeys.getPublic(), names, days);
    write(dir.resolve(ClusterTls.NODE), pem("CERTIFICATE", encoded(node)), false);
    write(dir.resolve(ClusterTls.NODE_KEY), pem("PRIVATE KEY", nodeKeys.getPrivate().getEncoded()), true);
    write(dir.resolve(ClusterTls.SECRET),
        (Base64.getEncoder().encodeToString(secret) + "\n").getBytes(StandardCharsets.US_ASCII), true);
  }

  /** Every certificate of a PEM file (a CA bundle may hold the old and the new CA). */
  public static List<X509Certificate> certificates(String pem) {
    List<X509Certificate> certs = new ArrayList<>();
    Matcher m = PEM_CERT.matcher(pem);
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      while (m.find()) {
        certs.add((X509Certificate) factory.generateCertificate(
            new ByteArrayInputStream(m.group().getBytes(StandardCharsets.US_ASCII))));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
    }
    return certs;
  }

  private static X509Certificate caCertificate(KeyPair keys) {
    // A random suffix: the old and the new CA of a rollover must not share a name in one trust bundle.
    X500Name name = new X500Name("CN=genbus cluster CA " + HexFormat.of().formatHex(randomBytes(4)) + ",O=genbus");
    Instant now = Instant.now();
    try {
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(CA_DAYS))), name, keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return sign(builder, keys.getPrivate());
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make the CA certificate: " + e.getMessage(), e);
    }
  }

  /** The names a node certificate is valid for: the hosts, then localhost and 127.0.0.1. */
  private static Set<String> subjectNames(List<String> hosts) {
    Set<String> names = new LinkedHashSet<>();
    for (String host : hosts) {
      String h = host.trim();
      if (h.isEmpty() || !h.matches("[A-Za-z0-9.:\\-]+")) {
        throw new IllegalArgumentException("not a host name or address: '" + host + "'");
      }
      names.add(h);
    }
    names.add("localhost");
    names.add("127.0.0.1");
    return names;
  }

  private static X509Certificate nodeCertificate(X509Certificate ca, PrivateKey caKey, PublicKey nodeKey,
                                                 Set<String> names, int days) {
    String first = names.iterator().next();
    Instant now = Instant.now();
    try {
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(days))),
          new X500Name("CN=genbus node " + first + ",O=genbus"), nodeKey);
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      // Every node is a TLS server (its event-bus port) and a client (it connects to the others).
      builder.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.stream()
          .map(n -> new GeneralName(isAddress(n) ? GeneralName.iPAddress : GeneralName.dNSName, n))
          .toArray(GeneralName[]::new)));
      builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(nodeKey));
      builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
      return sign(builder, caKey);
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make the node certificate: " + e.getMessage(), e);
    }
  }

  private static boolean isAddress(String host) {
    return IPV4.matcher(host).matches() || host.contains(":");
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter()
        .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
  }

  private static boolean signsFor(PrivateKey key, PublicKey publicKey) {
    try {
      byte[] probe = randomBytes(32);
      Signature signer = Signature.getInstance(SIGNATURE);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(SIGNATURE);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // another key type: not this CA
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 in this JDK: " + e.getMessage(), e);
    }
  }

  private static PrivateKey readPrivateKey(Path file) {
    Matcher m = PEM_KEY.matcher(read(file));
    if (!m.find()) {
      throw new IllegalArgumentException(file + " holds no PKCS#8 private key (-----BEGIN PRIVATE KEY-----)");
    }
    try {
      return KeyFactory.getInstance("EC").generatePrivate(
          new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1))));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(file + " is not an EC private key: " + e.getMessage(), e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(1, randomBytes(16));
  }

  private static byte[] randomSecret() {
    return randomBytes(ClusterTls.SECRET_BYTES);
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static byte[] encoded(X509Certificate cert) {
    try {
      return cert.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n").getBytes(StandardCharsets.US_ASCII);
  }

  private static void refuseExisting(Path dir, String... names) {
    for (String name : names) {
      Path target = dir.resolve(name);
      if (Files.exists(target)) {
        throw new IllegalArgumentException(target + " exists: refusing to overwrite it (use another directory; "
            + "--ca DIR issues another node certificate from an existing CA)");
      }
    }
  }

  private static void mkdirs(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  private static void write(Path file, byte[] content, boolean secret) {
    // CREATE_NEW: never replace a file; secrets get their mode at creation, not a moment later.
    try (SeekableByteChannel channel = Files.newByteChannel(file,
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")))) {
      channel.write(ByteBuffer.wrap(content));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}

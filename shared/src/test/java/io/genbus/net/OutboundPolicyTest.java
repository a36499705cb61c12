package io.genbus.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.net.OutboundPolicy.Refused;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("The outbound address policy")
class OutboundPolicyTest {

  static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal); // literals only: never a lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  @ParameterizedTest(name = "{0} is refused by default")
  @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
      "169.254.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.254", "100.100.100.200", "0.0.0.0", "224.0.0.1",
      "255.255.255.255", "198.18.0.1", "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "fd00:ec2::254", "ff02::1",
      "::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:0a00:0001::1"})
  void refusedByDefault(String address) {
    Refused e = assertThrows(Refused.class, () -> OutboundPolicy.strict().check("host.example", ip(address)));
    assertTrue(e.getMessage().startsWith("host.example resolves to "), e.getMessage());
  }

  @ParameterizedTest(name = "{0} is public")
  @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "2002:5db8:d822::1"})
  void publicAllowed(String address) {
    assertEquals(ip(address), OutboundPolicy.strict().check("host.example", ip(address)));
    assertNull(OutboundPolicy.specialRange(ip(address)));
  }

  @Test
  @DisplayName("each refusal says which range; an embedded IPv4 address is named")
  void reasons() {
    assertEquals("loopback", OutboundPolicy.specialRange(ip("127.0.0.1")));
    assertEquals("private (RFC 1918)", OutboundPolicy.specialRange(ip("10.0.0.1")));
    assertEquals("shared address space (CGNAT)", OutboundPolicy.specialRange(ip("100.64.1.1")));
    assertEquals("unique local (ULA)", OutboundPolicy.specialRange(ip("fd00::1")));
    assertEquals("link-local (as 169.254.169.254 inside 64:ff9b:0:0:0:0:a9fe:a9fe)",
        OutboundPolicy.specialRange(ip("64:ff9b::a9fe:a9fe")));
    Refused metadata = assertThrows(Refused.class, () -> OutboundPolicy.strict().check("x", ip("169.254.169.254")));
    assertTrue(metadata.getMessage().endsWith("a cloud metadata address"), metadata.getMessage());
  }

  @Test
  @DisplayName("a name with a public and a private address is refused: either could be the one connected to")
  void mixedAnswers() {
    Refused e = assertThrows(Refused.class,
        () -> OutboundPolicy.strict().check("rebind.example", ip("93.184.216.34"), ip("127.0.0.1")));
    assertTrue(e.getMessage().contains("127.0.0.1, loopback"), e.getMessage());
    assertThrows(Refused.class, () -> OutboundPolicy.strict().check("none.example"));
  }

  @Test
  @DisplayName("the allowlist lets listed CIDRs, addresses and names through; metadata only when listed itself")
  void allowlist() {
    OutboundPolicy policy = OutboundPolicy.of(false, List.of("10.0.0.0/8", "127.0.0.1", "fd12::/16", "images.internal",
        "169.254.0.0/16"));
    assertEquals(ip("10.9.8.7"), policy.check("a", ip("10.9.8.7")));
    assertEquals(ip("127.0.0.1"), policy.check("a", ip("127.0.0.1")));
    assertThrows(Refused.class, () -> policy.check("a", ip("127.0.0.2")));
    assertEquals(ip("fd12::5"), policy.check("a", ip("fd12::5")));
    assertEquals(ip("192.168.0.9"), policy.check("Images.Internal.", ip("192.168.0.9")));
    assertEquals(ip("169.254.1.1"), policy.check("a", ip("169.254.1.1")));
    assertThrows(Refused.class, () -> policy.check("a", ip("169.254.169.254")), "not through a wider range");
    assertThrows(Refused.class, () -> policy.check("images.internal", ip("169.254.169.254")), "nor through a name");
    assertEquals(ip("169.254.169.254"),
        OutboundPolicy.of(false, List.of("169.254.169.254/32")).check("a", ip("169.254.169.254")));
  }

  @ParameterizedTest(name = "''{0}'' is not an allowlist entry")
  @ValueSource(strings = {"10.0.0.0/33", "not a host", "fd00::/129", "http://x", "1.2.3.4/x"})
  void badEntries(String entry) {
    assertThrows(IllegalArgumentException.class, () -> OutboundPolicy.of(false, List.of(entry)));
  }

  @Test
  @DisplayName("URLs: https only unless http is allowed; a host and no user info")
  void urls() {
    OutboundPolicy strict = OutboundPolicy.strict();
    assertEquals("cdn.example", strict.checkUrl("https://cdn.example/a.png").getHost());
    assertTrue(assertThrows(Refused.class, () -> strict.checkUrl("http://cdn.example/a.png")).getMessage()
        .contains("allowHttp"));
    assertThrows(Refused.class, () -> strict.checkUrl("file:///etc/passwd"));
    assertThrows(Refused.class, () -> strict.checkUrl("gopher://cdn.example/"));
    assertThrows(Refused.class, () -> strict.checkUrl("https://user:pw@cdn.example/a.png"));
    assertThrows(Refused.class, () -> strict.checkUrl("https:///a.png"));
    assertThrows(Refused.class, () -> strict.checkUrl("not a url"));
    assertEquals("::1", OutboundPolicy.host(strict.checkUrl("https://[::1]:8443/a.png")));
    assertEquals("cdn.example", OutboundPolicy.of(true, List.of()).checkUrl("http://cdn.example/a.png").getHost());
  }
}

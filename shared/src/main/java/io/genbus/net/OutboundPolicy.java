package io.genbus.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Where a node may fetch a URL that someone else chose (an image link in an upstream's answer today; a
 * webhook later): one policy for every outbound fetch, so that a backend cannot be turned against the
 * network it runs in.
 *
 * <p>Only https, unless http is allowed. Every address the host resolves to must be public: loopback,
 * private (RFC 1918), link-local, unique local (fc00::/7), shared (CGNAT, 100.64/10), unspecified, multicast,
 * reserved and the cloud metadata addresses are refused, also when embedded in an IPv6 address (NAT64,
 * 6to4, IPv4-compatible). An allowlist of CIDRs, addresses and host names lets chosen ones through; a
 * metadata address only when it is listed itself (a /32 or /128), never through a wider range or a name.
 *
 * <p>The policy only judges; the caller resolves the name once, asks {@link #check}, and connects to the
 * address it was given (never to the name again), so a DNS answer that changes cannot slip past it.
 */
public final class OutboundPolicy {

  /** Resolves a host name to all its addresses (blocking); tests give names the addresses they need. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /** Why a URL or address may not be fetched; for the log, not the client (it would map the network). */
  public static final class Refused extends RuntimeException {
    public Refused(String reason) {
      super(reason, null, false, false);
    }
  }

  private static final List<Range> SPECIAL = List.of(
      Range.parse("0.0.0.0/8", "unspecified"),
      Range.parse("10.0.0.0/8", "private (RFC 1918)"),
      Range.parse("100.64.0.0/10", "shared address space (CGNAT)"),
      Range.parse("127.0.0.0/8", "loopback"),
      Range.parse("169.254.0.0/16", "link-local"),
      Range.parse("172.16.0.0/12", "private (RFC 1918)"),
      Range.parse("192.0.0.0/24", "IETF protocol assignments"),
      Range.parse("192.168.0.0/16", "private (RFC 1918)"),
      Range.parse("198.18.0.0/15", "benchmarking"),
      Range.parse("224.0.0.0/4", "multicast"),
      Range.parse("240.0.0.0/4", "reserved"),
      Range.parse("::/128", "unspecified"),
      Range.parse("::1/128", "loopback"),
      Range.parse("100::/64", "discard-only"),
      Range.parse("fc00::/7", "unique local (ULA)"),
      Range.parse("fe80::/10", "link-local"),
      Range.parse("fec0::/10", "site-local"),
      Range.parse("ff00::/8", "multicast"));

  /** Cloud instance metadata (AWS/GCP/Azure/OpenStack, AWS ECS, Alibaba, AWS over IPv6). */
  private static final Set<InetAddress> METADATA = Set.of(literal("169.254.169.254"), literal("169.254.170.2"),
      literal("100.100.100.200"), literal("fd00:ec2::254"));

  private final boolean allowHttp;
  private final List<Range> allowedRanges;
  private final Set<String> allowedHosts;

  private OutboundPolicy(boolean allowHttp, List<Range> allowedRanges, Set<String> allowedHosts) {
    this.allowHttp = allowHttp;
    this.allowedRanges = allowedRanges;
    this.allowedHosts = allowedHosts;
  }

  /** https only, public addresses only. */
  public static OutboundPolicy strict() {
    return new OutboundPolicy(false, List.of(), Set.of());
  }

  /**
   * @param allowHttp plain http too
   * @param allow     CIDRs ({@code 10.0.0.0/8}, {@code fd12::/16}), addresses ({@code 127.0.0.1}) or host names
   *                  ({@code images.internal}) that may be fetched although they are not public
   * @throws IllegalArgumentException naming an entry that is none of these
   */
  public static OutboundPolicy of(boolean allowHttp, List<String> allow) {
    List<Range> ranges = new ArrayList<>();
    List<String> hosts = new ArrayList<>();
    for (String entry : allow == null ? List.<String>of() : allow) {
      String e = entry.trim();
      if (e.matches("[0-9.]+(/\\d+)?") || e.contains(":")) {
        ranges.add(Range.parse(e, "allowed"));
      } else if (e.matches("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\\.?")) {
        hosts.add(e.toLowerCase(Locale.ROOT).replaceAll("\\.$", ""));
      } else {
        throw new IllegalArgumentException("'" + entry + "' is neither a CIDR, an IP address nor a host name");
      }
    }
    return new OutboundPolicy(allowHttp, List.copyOf(ranges), Set.copyOf(hosts));
  }

  /**
   * The URL, parsed, if its form may be fetched: http(s) as allowed, a host, no user info.
   *
   * @throws Refused saying why not
   */
  public URI checkUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException | NullPointerException e) {
      throw new Refused("not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(scheme.equals("http") && allowHttp)) {
      throw new Refused("scheme '" + scheme + "' is not allowed" + (scheme.equals("http") ? " (downloads.allowHttp is off)" : ""));
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new Refused("no host");
    }
    if (uri.getRawUserInfo() != null) {
      throw new Refused("user info in the URL");
    }
    return uri;
  }

  /** The host of a checked URL without the brackets of an IPv6 literal. */
  public static String host(URI uri) {
    String host = uri.getHost();
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /**
   * The address to connect to for {@code host}, which resolved to {@code addresses}: the first one, if every
   * one may be contacted (a name that resolves to a public and a private address is refused: either could be
   * the one a client library picks).
   *
   * @throws Refused naming the first address that may not be contacted, and why
   */
  public InetAddress check(String host, InetAddress... addresses) {
    if (addresses == null || addresses.length == 0) {
      throw new Refused(host + " has no address");
    }
    boolean hostAllowed = allowedHosts.contains(host.toLowerCase(Locale.ROOT).replaceAll("\\.$", ""));
    for (InetAddress address : addresses) {
      String why = refusal(address, hostAllowed);
      if (why != null) {
        throw new Refused(host + " resolves to " + address.getHostAddress() + ", " + why);
      }
    }
    return addresses[0];
  }

  private String refusal(InetAddress address, boolean hostAllowed) {
    if (METADATA.contains(withoutName(address))) {
      int full = address instanceof Inet4Address ? 32 : 128;
      boolean listed = allowedRanges.stream().anyMatch(r -> r.prefix == full && r.contains(address));
      return listed ? null : "a cloud metadata address";
    }
    String special = specialRange(address);
    if (special == null || hostAllowed || allowedRanges.stream().anyMatch(r -> r.contains(address))) {
      return null;
    }
    return special + " (not in downloads.allow)";
  }

  /** The kind of non-public range {@code address} is in, or null when it is public. */
  public static String specialRange(InetAddress address) {
    for (Range range : SPECIAL) {
      if (range.contains(address)) {
        return range.label;
      }
    }
    InetAddress embedded = embeddedIpv4(address);
    if (embedded != null) {
      String inner = specialRange(embedded);
      return inner == null ? null : inner + " (as " + embedded.getHostAddress() + " inside " + address.getHostAddress() + ")";
    }
    return null;
  }

  /** The IPv4 address inside an IPv4-compatible, IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address. */
  static InetAddress embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return null;
    }
    byte[] b = address.getAddress();
    boolean zeros80 = allZero(b, 0, 10);
    if (zeros80 && ((b[10] == 0 && b[11] == 0) || (b[10] == (byte) 0xff && b[11] == (byte) 0xff))) {
      return v4(b, 12); // ::a.b.c.d and ::ffff:a.b.c.d
    }
    if (b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b && allZero(b, 4, 12)) {
      return v4(b, 12);
    }
    if (b[0] == 0x20 && b[1] == 0x02) {
      return v4(b, 2);
    }
    return null;
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static InetAddress v4(byte[] b, int at) {
    try {
      return InetAddress.getByAddress(new byte[] {b[at], b[at + 1], b[at + 2], b[at + 3]});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static InetAddress withoutName(InetAddress address) {
    try {
      return InetAddress.getByAddress(address.getAddress());
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An IP literal, never a DNS lookup. */
  private static InetAddress literal(String ip) {
    if (!ip.matches("[0-9a-fA-F.:]+")) {
      throw new IllegalArgumentException("'" + ip + "' is not an IP address");
    }
    try {
      return InetAddress.getByName(ip); // a literal: parsed, not looked up
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + ip + "' is not an IP address");
    }
  }

  /** A CIDR block. */
  private record Range(byte[] network, int prefix, String label) {
    static Range parse(String cidr, String label) {
      String[] parts = cidr.split("/", 2);
      InetAddress address = literal(parts[0]);
      byte[] bytes = address.getAddress();
      int prefix;
      try {
        prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : bytes.length * 8;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + cidr + "' has a bad prefix length");
      }
      if (prefix < 0 || prefix > bytes.length * 8) {
        throw new IllegalArgumentException("'" + cidr + "' has a bad prefix length");
      }
      return new Range(bytes, prefix, label);
    }

    boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xff << (8 - rest) & 0xff;
      return (a[full] & mask) == (network[full] & mask);
    }
  }
}

package io.genbus.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("node command line: secure by default")
class NodeArgsTest {

  @TempDir
  Path dir;

  static ClusterOptions parse(Map<String, String> env, String... args) {
    return NodeArgs.parse(args, env).cluster();
  }

  Path certs() {
    Path certs = dir.resolve("tls");
    ClusterCerts.create(certs, List.of("10.0.0.5"), 30, null);
    return certs;
  }

  @Test
  @DisplayName("a non-loopback --host (or --public-host) without --tls is refused, naming the way out")
  void refusesOpenHost() {
    for (String[] args : List.of(new String[] {"--host", "10.0.0.5"}, new String[] {"--host", "0.0.0.0"},
        new String[] {"--public-host", "203.0.113.7"})) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(Map.of(), args));
      assertTrue(e.getMessage().contains("is not a loopback address") && e.getMessage().contains("--tls DIR")
          && e.getMessage().contains("--insecure-cluster"), e.getMessage());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of("GENBUS_CLUSTER_HOST", "10.0.0.5")));
    assertTrue(e.getMessage().startsWith("--host 10.0.0.5 is not a loopback address"), e.getMessage());
  }

  @Test
  @DisplayName("loopback needs nothing; --insecure-cluster or --tls allow another host")
  void allowed() {
    ClusterOptions plain = parse(Map.of());
    assertEquals("127.0.0.1", plain.bindHost());
    assertFalse(plain.exposed());
    assertNull(plain.tls());
    assertEquals("localhost", parse(Map.of(), "--host", "localhost").bindHost());
    ClusterOptions insecure = parse(Map.of(), "--host", "10.0.0.5", "--insecure-cluster");
    assertTrue(insecure.insecure() && insecure.exposed());
    ClusterOptions tls = parse(Map.of(), "--host", "10.0.0.5", "--tls", certs().toString(), "--bus-port", "7001");
    assertNotNull(tls.tls());
    assertEquals(7001, tls.busPort());
  }

  @Test
  @DisplayName("--tls and --bus-port also come from the environment; the event bus gets mutual TLS on that host and port")
  void environment() {
    Path certs = certs();
    ClusterOptions options = parse(Map.of("GENBUS_CLUSTER_HOST", "10.0.0.5", "GENBUS_CLUSTER_TLS_DIR", certs.toString(),
        "GENBUS_CLUSTER_BUS_PORT", "7002"));
    assertEquals(certs.resolve("node.pem"), options.tls().cert());
    EventBusOptions bus = ClusterNode.eventBusOptions(options);
    assertEquals("10.0.0.5", bus.getHost());
    assertEquals(7002, bus.getPort());
    assertTrue(bus.isSsl());
    assertEquals(ClientAuth.REQUIRED, bus.getClientAuth());
    EventBusOptions loopback = ClusterNode.eventBusOptions(ClusterOptions.defaults());
    assertEquals("127.0.0.1", loopback.getHost(), "never 0.0.0.0");
    assertFalse(loopback.isSsl());
  }

  @Test
  @DisplayName("bad values are refused with a message")
  void badValues() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> parse(Map.of(), "--bus-port", "seventy"));
    assertThrows(IllegalArgumentException.class, () -> parse(Map.of(), "--bus-port", "70000"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of(), "--tls", dir.resolve("none").toString()));
    assertTrue(e.getMessage().contains("no such directory"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> parse(Map.of(), "--tls"));
  }

  @Test
  @DisplayName("Hazelcast binds the node's address only; a cluster file's one <interface> is the node's host")
  void hazelcastBinding() throws Exception {
    var config = ClusterNode.hazelcastConfig(ClusterOptions.defaults());
    assertEquals("false", config.getProperty("hazelcast.socket.bind.any"));
    assertEquals(List.of("127.0.0.1"), List.copyOf(config.getNetworkConfig().getInterfaces().getInterfaces()));
    Path file = dir.resolve("cluster.xml");
    Files.writeString(file, Files.readString(Path.of("../cluster.xml")).replace("<interface>127.0.0.1</interface>",
        "<interface>10.0.0.5</interface>"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(Map.of(), "--cluster", file.toString()));
    assertTrue(e.getMessage().startsWith("--host 10.0.0.5 is not a loopback address"), e.getMessage());
    assertEquals("10.0.0.5", parse(Map.of(), "--cluster", file.toString(), "--insecure-cluster").host());
  }
}

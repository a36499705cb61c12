package io.genbus.api.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.genbus.config.WebhooksConfig;
import io.genbus.net.OutboundPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Webhook delivery against a real receiver on loopback, with names resolved by a resolver of the test's: the
 * name is resolved once per attempt, every address it resolves to is checked, and the connection goes to the
 * checked address (the name only in the Host header), so a DNS answer cannot change between check and send.
 */
@DisplayName("webhook delivery pinned to the checked address")
class WebhookSenderTest {

  Vertx vertx;
  HttpServer receiver;
  final List<String> hosts = new CopyOnWriteArrayList<>();
  final AtomicInteger lookups = new AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    // on 127.0.0.2 only: the system resolves "localhost" to 127.0.0.1 (or ::1), where nothing listens on this port
    receiver = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      hosts.add(req.getHeader("Host"));
      req.response().setStatusCode(204).end();
    })).listen(0, "127.0.0.2"));
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  WebhookSender sender(boolean allowPrivate, String... addresses) {
    OutboundPolicy.Resolver resolver = name -> {
      lookups.incrementAndGet();
      InetAddress[] resolved = new InetAddress[addresses.length];
      for (int i = 0; i < addresses.length; i++) {
        resolved[i] = InetAddress.getByAddress(name, InetAddress.getByName(addresses[i]).getAddress());
      }
      return resolved;
    };
    return new WebhookSender(vertx, new WebhooksConfig(null, "a test secret", 0, 5, allowPrivate), resolver);
  }

  String url(String host) {
    return "http://" + host + ":" + receiver.actualPort() + "/hook";
  }

  List<WebhookSender.Attempt> deliver(WebhookSender sender, String url, boolean expected) {
    List<WebhookSender.Attempt> attempts = new CopyOnWriteArrayList<>();
    boolean delivered = await(sender.deliver(url, "msg_1", new JsonObject().put("id", "1"), 0, 0, attempts::add));
    assertEquals(expected, delivered, attempts.toString());
    return attempts;
  }

  @Test
  @DisplayName("a name that resolves to a loopback address is refused (at the check and at the send); nothing is sent")
  void privateAddressRefused() {
    WebhookSender sender = sender(false, "127.0.0.2");
    Throwable refused = await(sender.check(url("hooks.example")).transform(ar -> Future.succeededFuture(ar.cause())));
    assertNotNull(refused, "the check must fail");
    assertTrue(refused.getMessage().contains("loopback"), refused.getMessage());

    List<WebhookSender.Attempt> attempts = deliver(sender, url("hooks.example"), false);
    assertEquals(1, attempts.size());
    assertTrue(attempts.get(0).error().contains("resolves to 127.0.0.2, loopback"), attempts.toString());
    assertEquals(List.of(), hosts);
  }

  @Test
  @DisplayName("a name with a public and a private address is refused: every address is checked, none is connected to")
  void everyAddressChecked() {
    List<WebhookSender.Attempt> attempts = deliver(sender(false, "198.51.100.7", "127.0.0.2"), url("hooks.example"), false);
    assertTrue(attempts.get(0).error().contains("127.0.0.2"), attempts.toString());
    assertEquals(List.of(), hosts);
  }

  @Test
  @DisplayName("allowPrivate: sent to the address the name was resolved to, resolved once, the name in the Host header")
  void sentToTheCheckedAddress() {
    List<WebhookSender.Attempt> attempts = deliver(sender(true, "127.0.0.2"), url("localhost"), true);
    assertEquals(1, attempts.size());
    assertEquals(204, attempts.get(0).status());
    assertEquals(List.of("localhost:" + receiver.actualPort()), hosts);
    assertEquals(1, lookups.get(), "one lookup for the attempt: the check's address is the one connected to");
    assertFalse(attempts.get(0).error() != null);
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

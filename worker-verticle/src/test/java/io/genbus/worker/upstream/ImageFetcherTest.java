package io.genbus.worker.upstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.genbus.config.DownloadsConfig;
import io.genbus.net.OutboundPolicy;
import io.genbus.protocol.ErrorCode;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.genbus.worker.local.LocalRenderer;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The fetcher resolves a name once and connects to the address it checked, with the name as Host. */
@DisplayName("The image fetcher")
class ImageFetcherTest {

  static final byte[] PNG = LocalRenderer.renderPng("pinned", 0, 16);

  Vertx vertx;
  LinkHost host;
  /** Names these tests resolve; the system resolver is never asked. */
  final Map<String, String> dns = Map.of("images.example", "127.0.0.2", "evil.example", "127.0.0.2");
  final OutboundPolicy.Resolver resolver = name -> {
    String ip = dns.get(name);
    if (ip == null) {
      throw new UnknownHostException(name);
    }
    return new InetAddress[] {InetAddress.getByName(ip)};
  };

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    host = new LinkHost("127.0.0.2").route("/cat.png", LinkHost.bytes("application/octet-stream", PNG));
  }

  @AfterEach
  void stop() throws Exception {
    host.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  List<GeneratedImage> fetch(List<String> allow, String url) throws Exception {
    ImageFetcher fetcher = new ImageFetcher(vertx, "the test upstream",
        new DownloadsConfig(true, allow, null, null, 5, null), null, 1, resolver);
    return fetcher.fetchAll(List.of(url), new Cancellation()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("connects to the resolved address, sends the URL's host as Host, types the image by its bytes")
  void pinned() throws Exception {
    List<GeneratedImage> images = fetch(List.of("images.example"), "http://images.example:" + host.port() + "/cat.png");
    assertArrayEquals(PNG, images.get(0).bytes());
    assertEquals("image/png", images.get(0).mimeType(), "what the bytes are, not the Content-Type");
    assertEquals(List.of(new LinkHost.Seen("/cat.png", "images.example:" + host.port())), host.seen);
  }

  @Test
  @DisplayName("a name that resolves to a refused address is refused before connecting (the server there is never asked); so is a name that does not resolve")
  void resolvedInside() {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> fetch(List.of(), "http://evil.example:" + host.port() + "/cat.png"));
    assertEquals(ErrorCode.UPSTREAM_ERROR, ((GenerationException) e.getCause()).code());
    assertThrows(ExecutionException.class, () -> fetch(List.of("127.0.0.2"), "http://nowhere.example:" + host.port() + "/cat.png"));
    assertEquals(List.of(), host.seen);
  }
}

package io.genbus.worker.upstream;

import io.genbus.config.DownloadsConfig;
import io.genbus.net.OutboundPolicy;
import io.genbus.net.OutboundPolicy.Refused;
import io.genbus.protocol.ErrorCode;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationException;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads the images an upstream's answer links to, under the backend's {@link DownloadsConfig}: each URL
 * (and each redirect, up to {@code maxRedirects}) passes the {@link OutboundPolicy}; the host is resolved once
 * and the connection goes to the address that was checked, with the URL's host as Host header and SNI; the
 * size is checked from Content-Length before reading and counted while reading; one absolute deadline per
 * download; a cancelled job stops its downloads; the bytes must be a PNG, JPEG, WebP or GIF. The client is
 * told one thing whatever went wrong, so that answers cannot be used to map the network behind the worker;
 * the log says why.
 */
public final class ImageFetcher {

  private static final Logger LOG = LoggerFactory.getLogger(ImageFetcher.class);
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
  /** Connections to image hosts, whatever the backend's concurrency. */
  private static final int MAX_CONNECTIONS = 256;

  private final Vertx vertx;
  private final String name;
  private final DownloadsConfig config;
  private final OutboundPolicy policy;
  private final OutboundPolicy.Resolver resolver;
  private final HttpClient client;

  public ImageFetcher(Vertx vertx, String name, DownloadsConfig config, String proxy, int concurrency) {
    this(vertx, name, config, proxy, concurrency, InetAddress::getAllByName);
  }

  /** With a resolver of its own: tests give names the addresses they need. */
  public ImageFetcher(Vertx vertx, String name, DownloadsConfig config, String proxy, int concurrency,
                      OutboundPolicy.Resolver resolver) {
    this.vertx = vertx;
    this.name = name;
    this.config = config;
    this.policy = config.policy();
    this.resolver = resolver;
    int connections = (int) Math.min(MAX_CONNECTIONS, Math.max(1L, (long) concurrency * Math.max(1, config.maxLinks())));
    this.client = HttpClients.downloads(vertx, proxy, connections);
  }

  /** What the client is told about any link that could not be used. */
  String unusable() {
    return name + " linked to an image that could not be downloaded";
  }

  public Future<Void> close() {
    return client.close();
  }

  /**
   * Downloads every link of one answer, at once; an answer with more than {@code maxLinks} links is refused
   * before any download. The first failure stops the others.
   */
  public Future<List<GeneratedImage>> fetchAll(List<String> urls, Cancellation cancellation) {
    if (urls.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    if (urls.size() > config.maxLinks()) {
      LOG.warn("{} answered with {} image links; downloads.maxLinks is {}", name, urls.size(), config.maxLinks());
      return Future.failedFuture(new GenerationException(ErrorCode.UPSTREAM_ERROR,
          name + " answered with " + urls.size() + " image links, more than the " + config.maxLinks() + " allowed"));
    }
    Cancellation all = new Cancellation();
    cancellation.onCancel(all::cancel);
    return Future.all(urls.stream().map(url -> fetch(url, all, cancellation)).toList())
        .<List<GeneratedImage>>map(done -> done.list())
        .onFailure(err -> all.cancel());
  }

  private Future<GeneratedImage> fetch(String url, Cancellation stop, Cancellation job) {
    Download download = new Download();
    long deadline = vertx.setTimer(config.timeoutSeconds() * 1000L,
        id -> download.result.tryFail(new Refused("no complete answer within " + config.timeoutSeconds() + " s")));
    stop.onCancel(() -> download.result.tryFail(new Refused("stopped")));
    download.result.future().onComplete(ar -> {
      vertx.cancelTimer(deadline);
      if (ar.failed()) {
        download.abort();
      }
    });
    get(url, config.maxRedirects(), download).onComplete(download.result);
    return download.result.future().recover(err -> {
      if (job.isCancelled()) {
        return Future.failedFuture(GenerationException.cancelled());
      }
      String why = err instanceof Refused ? err.getMessage() : err.toString();
      LOG.warn("{}: image link {} refused: {}", name, Upstream.forLog(url), Upstream.forLog(why));
      return Future.failedFuture(new GenerationException(ErrorCode.UPSTREAM_ERROR, unusable()));
    });
  }

  /** GETs {@code url} after checking it, following at most {@code redirectsLeft} redirects, each checked. */
  private Future<GeneratedImage> get(String url, int redirectsLeft, Download download) {
    URI uri;
    try {
      uri = policy.checkUrl(url);
    } catch (Refused e) {
      return Future.failedFuture(e);
    }
    String host = OutboundPolicy.host(uri);
    return vertx.executeBlocking(() -> policy.check(host, resolve(host)), false)
        .compose(address -> send(uri, host, address, download))
        .compose(response -> {
          int status = response.statusCode();
          if (REDIRECTS.contains(status)) {
            String location = response.getHeader("Location");
            response.request().reset(); // the redirect's body is not wanted
            if (location == null) {
              return Future.failedFuture(new Refused("a redirect without Location"));
            }
            if (redirectsLeft == 0) {
              return Future.failedFuture(new Refused("more than " + config.maxRedirects() + " redirects"));
            }
            return get(uri.resolve(location.trim()).toString(), redirectsLeft - 1, download);
          }
          if (status != 200) {
            response.request().reset();
            return Future.failedFuture(new Refused("answered " + status));
          }
          return read(response).compose(this::image);
        });
  }

  private InetAddress[] resolve(String host) {
    try {
      return resolver.resolve(host);
    } catch (UnknownHostException e) {
      throw new Refused(host + " does not resolve");
    }
  }

  /** The request goes to the checked address; Host header and SNI carry the URL's host. */
  private Future<HttpClientResponse> send(URI uri, String host, InetAddress address, Download download) {
    if (download.result.future().isComplete()) {
      return Future.failedFuture(new Refused("stopped"));
    }
    boolean https = uri.getScheme().toLowerCase(Locale.ROOT).equals("https");
    int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
    String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
        .setHost(host)
        .setPort(port)
        .setSsl(https)
        .setURI(path)
        .setFollowRedirects(false)
        .putHeader("Accept", "image/png, image/jpeg, image/webp, image/gif")
        .putHeader("User-Agent", "genbus");
    return client.request(options).compose(request -> {
      download.current = request;
      if (download.result.future().isComplete()) {
        request.reset();
        return Future.failedFuture(new Refused("stopped"));
      }
      return request.send();
    });
  }

  /** The body, refused when Content-Length or the bytes counted so far pass {@code maxBytes}. */
  private Future<Buffer> read(HttpClientResponse response) {
    long max = config.maxBytes();
    String length = response.getHeader("Content-Length");
    if (length != null && (!length.trim().matches("\\d{1,18}") || Long.parseLong(length.trim()) > max)) {
      response.request().reset();
      return Future.failedFuture(new Refused("Content-Length " + length + " is over downloads.maxBytes (" + max + ")"));
    }
    Promise<Buffer> body = Promise.promise();
    Buffer bytes = Buffer.buffer();
    response.handler(chunk -> {
      if (body.future().isComplete()) {
        return;
      }
      if (bytes.length() + chunk.length() > max) {
        body.tryFail(new Refused("more than downloads.maxBytes (" + max + ") bytes"));
        response.request().reset();
        return;
      }
      bytes.appendBuffer(chunk);
    });
    response.exceptionHandler(body::tryFail);
    response.endHandler(v -> body.tryComplete(bytes));
    return body.future();
  }

  private Future<GeneratedImage> image(Buffer body) {
    byte[] bytes = body.getBytes();
    return vertx.executeBlocking(() -> {
      String type = ImageBytes.mediaType(bytes);
      if (type == null) {
        throw new Refused(bytes.length + " bytes that are not a PNG, JPEG, WebP or GIF image");
      }
      return new GeneratedImage(type, bytes);
    }, false);
  }

  /** One download: its result, and the request in flight, reset when the download ends early. */
  private static final class Download {
    final Promise<GeneratedImage> result = Promise.promise();
    HttpClientRequest current;

    void abort() {
      if (current != null) {
        current.reset();
      }
    }
  }
}

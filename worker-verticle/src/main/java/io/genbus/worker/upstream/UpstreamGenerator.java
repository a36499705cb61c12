package io.genbus.worker.upstream;

import io.genbus.config.DownloadsConfig;
import io.genbus.config.UpstreamSettings;
import io.genbus.worker.Cancellation;
import io.genbus.worker.GenerationResult;
import io.genbus.worker.GenerationResult.GeneratedImage;
import io.genbus.worker.Generator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A backend that calls a remote API: its {@link Upstream}, the {@link ImageFetcher} for the links its answers
 * may hold, and how the images an answer names become the job's images. Both clients close with it.
 */
public abstract class UpstreamGenerator implements Generator {

  /** An image named in an answer: its bytes, or a link to download. */
  public record ImageRef(byte[] bytes, String link) {
    public static ImageRef inline(byte[] bytes) {
      return new ImageRef(bytes, null);
    }

    public static ImageRef link(String url) {
      return new ImageRef(null, url);
    }
  }

  protected final Vertx vertx;
  protected final Upstream upstream;
  private final ImageFetcher fetcher;

  /** @param downloads null for a backend whose answers never link to images */
  protected UpstreamGenerator(Vertx vertx, String name, UpstreamSettings settings, DownloadsConfig downloads) {
    this.vertx = vertx;
    this.upstream = new Upstream(vertx, name, settings);
    this.fetcher = downloads == null ? null
        : new ImageFetcher(vertx, name, downloads, settings.proxy(), settings.concurrency());
  }

  /**
   * The images an answer names, in its order: inline ones checked to be images, links downloaded through
   * the {@link ImageFetcher} (at most {@code downloads.maxLinks}).
   */
  protected Future<List<GeneratedImage>> images(List<ImageRef> refs, Cancellation cancellation) {
    List<String> links = refs.stream().filter(r -> r.link() != null).map(ImageRef::link).toList();
    List<GeneratedImage> inline = refs.stream().filter(r -> r.link() == null)
        .map(r -> new GeneratedImage(null, r.bytes())).toList();
    Future<List<GeneratedImage>> downloaded = links.isEmpty() ? Future.succeededFuture(List.of())
        : fetcher.fetchAll(links, cancellation);
    Future<List<GeneratedImage>> checked = ImageBytes.checked(vertx, upstream.name(), inline);
    return Future.all(downloaded, checked).map(both -> {
      Iterator<GeneratedImage> fromLinks = downloaded.result().iterator();
      Iterator<GeneratedImage> fromAnswer = checked.result().iterator();
      List<GeneratedImage> ordered = new ArrayList<>(refs.size());
      for (ImageRef ref : refs) {
        ordered.add(ref.link() != null ? fromLinks.next() : fromAnswer.next());
      }
      return ordered;
    });
  }

  /** The result with its images checked and typed by their bytes. */
  protected Future<GenerationResult> checked(GenerationResult result) {
    return ImageBytes.checked(vertx, upstream.name(), result.images())
        .map(images -> new GenerationResult(result.text(), images));
  }

  @Override
  public Future<Void> close() {
    return fetcher == null ? upstream.close() : Future.all(upstream.close(), fetcher.close()).mapEmpty();
  }
}

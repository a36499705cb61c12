package io.genbus.api.chat;

import io.genbus.api.images.InputImageConverter;
import io.genbus.api.jobs.Scheduler;
import io.genbus.api.limits.ConversionGate;
import io.genbus.config.ApiConfig;
import io.genbus.protocol.InputImage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * What every chat request goes through before it is a job, whichever way it came (HTTP or the event bus):
 * its body parsed and checked, and for a durable job, the model admitted and the input images converted.
 * Parsing all but small bodies, and image work, run on worker threads, never on the event loop.
 */
public final class ChatIntake {

  static final int INLINE_PARSE_BYTES = 16 * 1024;

  private final Vertx vertx;
  private final ApiConfig config;
  private final Scheduler scheduler;
  private final InputImageConverter converter;
  private final ConversionGate conversions;

  public ChatIntake(Vertx vertx, ApiConfig config, Scheduler scheduler, InputImageConverter converter,
                    ConversionGate conversions) {
    this.vertx = vertx;
    this.config = config;
    this.scheduler = scheduler;
    this.converter = converter;
    this.conversions = conversions;
  }

  /**
   * A body of a few KiB parses in microseconds, less than the hop to a worker thread and back; a larger
   * one (images as data URLs, up to {@code api.maxBodyBytes}) is parsed on a worker thread.
   */
  public Future<ChatRequest> parse(Buffer body) {
    int maxImages = config.images().maxCount();
    int maxPromptChars = config.maxPromptChars();
    if (body != null && body.length() > INLINE_PARSE_BYTES) {
      return vertx.executeBlocking(() -> ChatRequestParser.parse(body, maxImages, maxPromptChars), false);
    }
    try {
      return Future.succeededFuture(ChatRequestParser.parse(body, maxImages, maxPromptChars));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Admits a durable chat job's request and converts its images: the parts of a job that need this node. */
  public Future<NewJobParts> durable(ChatRequest request) {
    return scheduler.admit(request.model(), false) // a durable job waits as long as it takes, like a stream
        .compose(v -> request.images().isEmpty()
            ? Future.succeededFuture(List.<InputImage>of())
            : conversions.run(() -> true, // a durable job does not depend on its connection
                () -> vertx.executeBlocking(() -> converter.convert(request.images()), false)))
        .map(images -> new NewJobParts(request, images));
  }

  /** A checked request and its converted images. */
  public record NewJobParts(ChatRequest request, List<InputImage> images) {
  }
}

package io.genbus.api.chat;

import io.genbus.api.errors.ApiException;
import io.genbus.api.images.ImageOutput;
import io.genbus.api.jobs.JobListener;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ErrorLanguage;
import io.vertx.core.Future;

/**
 * Formats a job's output for the client and hands it to the {@link ChatSink} in the order it came:
 * images through {@link ImageOutput} (which may store them first, in {@code url} mode), text as is. Each
 * event waits for the ones before it, so an image still being stored is never overtaken by DONE.
 */
final class ContentRenderer implements JobListener {

  private final ChatSink sink;
  private final ImageOutput images;
  private final String baseUrl;
  private final ErrorLanguage language;
  private Future<Void> previous = Future.succeededFuture();

  ContentRenderer(ChatSink sink, ImageOutput images, String baseUrl, ErrorLanguage language) {
    this.sink = sink;
    this.images = images;
    this.baseUrl = baseUrl;
    this.language = language;
  }

  @Override
  public void onText(String text) {
    previous = previous.andThen(v -> sink.onContent(text));
  }

  @Override
  public void onImage(String mimeType, byte[] bytes) {
    previous = previous
        .compose(v -> images.render(mimeType, bytes, baseUrl))
        .map(content -> {
          sink.onContent(content);
          return (Void) null;
        })
        .recover(err -> {
          if (err instanceof ApiException refused) {
            sink.onError(refused.code(), refused.code().message(language, refused.args()));
          } else {
            sink.onError(ErrorCode.INTERNAL_ERROR, "the image could not be stored: " + err.getMessage());
          }
          return Future.failedFuture(err);
        });
  }

  @Override
  public void onDone() {
    previous = previous.onSuccess(v -> sink.onDone());
  }

  @Override
  public void onError(ErrorCode code, String message) {
    previous = previous.onSuccess(v -> sink.onError(code, message));
  }
}

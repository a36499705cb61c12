package io.genbus.api.images;

import io.genbus.api.jobs.JobListener;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ErrorLanguage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@code n} jobs of one Images API request, run in parallel: their images are gathered in job order,
 * and the request fails as a whole, once, when one job fails for good (after its own failover); the other
 * jobs are then cancelled. On the API verticle's event loop.
 */
final class ImageBatch {

  /** One image made, with the text its backend said about it (Gemini's, for instance). */
  record Made(String mimeType, byte[] bytes, String revisedPrompt) {
  }

  /** Where the batch's news go: an SSE stream, or one JSON answer. */
  interface Sink {
    /** A preview of job {@code job}'s image; {@code index} counts that job's previews from 0. */
    void partial(int job, int index, String mimeType, byte[] bytes);

    /** Job {@code job} finished with these images. */
    void completed(int job, List<Made> images);

    /** Every job finished: all images, in job order. */
    void done(List<Made> images);

    void failed(ErrorCode code, String message);
  }

  private final Sink sink;
  private final ErrorLanguage language;
  private final Consumer<String> cancelOthers;
  private final List<List<Made>> images = new ArrayList<>();
  private final StringBuilder[] texts;
  private final int[] partials;
  private int finished;
  private boolean failed;

  /** {@code cancelOthers} is told why when the batch fails, to stop the jobs still running. */
  ImageBatch(int n, Sink sink, ErrorLanguage language, Consumer<String> cancelOthers) {
    this.sink = sink;
    this.language = language;
    this.cancelOthers = cancelOthers;
    this.texts = new StringBuilder[n];
    this.partials = new int[n];
    for (int i = 0; i < n; i++) {
      images.add(new ArrayList<>());
      texts[i] = new StringBuilder();
    }
  }

  JobListener listener(int job) {
    return new JobListener() {
      @Override
      public void onText(String text) {
        texts[job].append(text);
      }

      @Override
      public void onImage(String mimeType, byte[] bytes) {
        String revised = texts[job].isEmpty() ? null : texts[job].toString().strip();
        images.get(job).add(new Made(mimeType, bytes, revised));
      }

      @Override
      public void onPartialImage(String mimeType, byte[] bytes) {
        if (!failed) {
          sink.partial(job, partials[job]++, mimeType, bytes);
        }
      }

      @Override
      public void onDone() {
        if (failed) {
          return;
        }
        if (images.get(job).isEmpty()) {
          fail(ErrorCode.GENERATION_FAILED, ErrorCode.GENERATION_FAILED.message(language,
              "the backend answered with no image"
                  + (texts[job].isEmpty() ? "" : ": " + shorten(texts[job].toString()))));
          return;
        }
        sink.completed(job, images.get(job));
        if (++finished == images.size()) {
          sink.done(images.stream().flatMap(List::stream).toList());
        }
      }

      @Override
      public void onError(ErrorCode code, String message) {
        fail(code, message);
      }
    };
  }

  private void fail(ErrorCode code, String message) {
    if (failed) {
      return;
    }
    failed = true;
    cancelOthers.accept("another image of the request failed: " + message);
    sink.failed(code, message);
  }

  private static String shorten(String text) {
    String s = text.strip();
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }
}

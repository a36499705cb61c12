package io.genbus.api.images;

import io.genbus.protocol.ImageOptions;
import java.util.List;

/**
 * A request of the Images API, checked: {@code POST /v1/images/generations} or {@code /v1/images/edits}.
 *
 * @param edit           an edit (input images, optional mask) rather than a generation
 * @param model          the model asked for
 * @param prompt         what to make
 * @param n              how many images (1–10): as many jobs
 * @param options        the image parameters every job carries
 * @param responseFormat {@code b64_json} (default) or {@code url}
 * @param stream         answer as Server-Sent Events
 * @param images         an edit's input images, not yet checked or decoded
 * @param mask           an edit's mask, or null
 * @param webhook        genbus's own {@code webhook.url}: called when a durable job ends; null for none
 */
public record ImageRequest(boolean edit, String model, String prompt, int n, ImageOptions options, String responseFormat,
                           boolean stream, List<ImageSource> images, ImageSource mask, String webhook) {

  /**
   * The request as a durable job runs it: without partial images, which are previews for a live stream and
   * are not recorded (nothing is asked of a backend that nobody would see).
   */
  public ImageRequest durable() {
    ImageOptions o = options;
    return new ImageRequest(edit, model, prompt, n, new ImageOptions(o.width(), o.height(), o.quality(), o.outputFormat(),
        o.outputCompression(), o.background(), 0, o.user()), responseFormat, stream, images, mask, webhook);
  }

  public boolean wantsUrl() {
    return "url".equals(responseFormat);
  }

  /** The SSE event names: {@code image_generation.*} or {@code image_edit.*}. */
  public String eventPrefix() {
    return edit ? "image_edit" : "image_generation";
  }

  /**
   * One input image as the client sent it: a data URL (the JSON form) or a file's bytes (multipart).
   *
   * @param param where it is in the request, e.g. {@code image[1]} or {@code images[0].image_url}
   */
  public record ImageSource(String param, String dataUrl, byte[] bytes) {

    public ImagePart asPart() {
      return new ImagePart(param, dataUrl);
    }

    @Override
    public String toString() {
      return "ImageSource[" + param + ", " + (bytes != null ? bytes.length + " bytes" : "data URL") + "]";
    }
  }
}

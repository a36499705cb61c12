package io.genbus.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The image parameters of a job from the Images API ({@code /v1/images/generations} and {@code /edits}),
 * as the API node checked them. A chat completions job has none: its backend's own defaults apply.
 *
 * @param width             pixels; null together with {@code height} means {@code size: auto}
 * @param height            pixels
 * @param quality           {@code auto}, {@code low}, {@code medium}, {@code high}, {@code standard} or {@code hd}; null = not asked
 * @param outputFormat      {@code png}, {@code jpeg} or {@code webp}: the worker delivers this format
 * @param outputCompression 0–100 for jpeg and webp (100 = the least compression); null = not asked
 * @param background        {@code transparent}, {@code opaque} or {@code auto}; null = not asked
 * @param partialImages     0–3 partial images to stream before the final one (a backend may send fewer)
 * @param user              the client's end-user id, passed to backends that take one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageOptions(Integer width, Integer height, String quality, String outputFormat, Integer outputCompression,
                           String background, int partialImages, String user) {

  public boolean autoSize() {
    return width == null || height == null;
  }

  /** {@code WxH}, or {@code auto}: the Images API's spelling. */
  public String size() {
    return autoSize() ? "auto" : width + "x" + height;
  }

  public boolean transparent() {
    return "transparent".equals(background);
  }
}

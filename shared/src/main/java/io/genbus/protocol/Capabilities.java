package io.genbus.protocol;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a worker backend can do with the Images API's parameters, announced in {@link WorkerInfo} so that an
 * API node refuses a request no live worker can serve before it queues it.
 *
 * @param sizes                 exact sizes accepted ({@code WxH}), and {@code auto} when the backend picks one
 * @param aspectRatios          further sizes accepted by their ratio ({@code 16:9}: any {@code WxH} within 2 % of it),
 *                              or {@code any} for every ratio; each side then between {@code minSide} and {@code maxSide}
 * @param minSide               smallest side for a size accepted by ratio, pixels
 * @param maxSide               largest side for a size accepted by ratio, pixels
 * @param maxN                  most images one request may ask for ({@code n}); they run as separate jobs
 * @param edits                 whether it takes input images ({@code /v1/images/edits}, chat image input)
 * @param mask                  whether it honours an edit's {@code mask}
 * @param transparentBackground whether it can make {@code background: transparent}
 * @param partialImages         how many partial images it streams at most (0: only the completed image)
 * @param outputFormats         the {@code output_format}s it delivers
 */
public record Capabilities(List<String> sizes, List<String> aspectRatios, int minSide, int maxSide, int maxN,
                           boolean edits, boolean mask, boolean transparentBackground, int partialImages,
                           List<String> outputFormats) {

  /** Any aspect ratio (with {@link #aspectRatios}). */
  public static final String ANY_RATIO = "any";
  /** The formats every worker writes itself (no pure-Java WebP encoder exists: see README, "Images API"). */
  public static final List<String> WRITTEN_FORMATS = List.of("png", "jpeg");
  /** The Images API's largest {@code n}. */
  public static final int MAX_N = 10;
  /** How far a size's ratio may be from an announced aspect ratio (2 %: 1376x768 is 16:9). */
  static final double RATIO_TOLERANCE = 0.02;

  public Capabilities {
    sizes = sizes == null ? List.of() : List.copyOf(sizes);
    aspectRatios = aspectRatios == null ? List.of() : List.copyOf(aspectRatios);
    outputFormats = outputFormats == null ? List.of() : List.copyOf(outputFormats);
  }

  /** A backend that says nothing special: its own size, edits, no mask, opaque, no partial images. */
  public static Capabilities basic() {
    return new Capabilities(List.of("auto"), List.of(), 0, 0, MAX_N, true, false, false, 0, WRITTEN_FORMATS);
  }

  public boolean supportsSize(Integer width, Integer height) {
    if (width == null || height == null) {
      return sizes.contains("auto");
    }
    if (sizes.contains(width + "x" + height)) {
      return true;
    }
    if (aspectRatios.isEmpty() || Math.min(width, height) < minSide || Math.max(width, height) > maxSide) {
      return false;
    }
    return aspectRatios.contains(ANY_RATIO) || nearestRatio(aspectRatios, width, height) != null;
  }

  /**
   * The first parameter of a job this backend cannot serve, by its Images API name ({@code size},
   * {@code background}, …), or null when it can serve them all.
   */
  public String unsupported(ImageOptions options, int n, boolean hasImages, boolean hasMask) {
    if (n > maxN) {
      return "n";
    }
    if (hasImages && !edits) {
      return "image";
    }
    if (hasMask && !mask) {
      return "mask";
    }
    if (options == null) {
      return null;
    }
    if (!supportsSize(options.width(), options.height())) {
      return "size";
    }
    if (options.transparent() && !transparentBackground) {
      return "background";
    }
    if (options.outputFormat() != null && !outputFormats.contains(options.outputFormat())) {
      return "output_format";
    }
    return null;
  }

  /** Whether this backend can run {@code job}. */
  public boolean serves(Job job) {
    return unsupported(job.options(), 1, !job.images().isEmpty(), job.mask() != null) == null;
  }

  /**
   * What at least one of {@code all} can do (the union of sizes, ratios and formats, the widest bounds): the
   * summary {@code GET /v1/models/{id}} shows. A request must still find one worker that serves all of it.
   */
  public static Capabilities union(List<Capabilities> all) {
    Set<String> sizes = new LinkedHashSet<>();
    Set<String> ratios = new LinkedHashSet<>();
    Set<String> formats = new LinkedHashSet<>();
    int minSide = Integer.MAX_VALUE;
    int maxSide = 0;
    int maxN = 0;
    int partials = 0;
    boolean edits = false;
    boolean mask = false;
    boolean transparent = false;
    for (Capabilities c : all) {
      sizes.addAll(c.sizes);
      ratios.addAll(c.aspectRatios);
      formats.addAll(c.outputFormats);
      if (!c.aspectRatios.isEmpty()) {
        minSide = Math.min(minSide, c.minSide);
        maxSide = Math.max(maxSide, c.maxSide);
      }
      maxN = Math.max(maxN, c.maxN);
      partials = Math.max(partials, c.partialImages);
      edits |= c.edits;
      mask |= c.mask;
      transparent |= c.transparentBackground;
    }
    return new Capabilities(List.copyOf(sizes), List.copyOf(ratios), minSide == Integer.MAX_VALUE ? 0 : minSide, maxSide,
        maxN, edits, mask, transparent, partials, List.copyOf(formats));
  }

  /** Of {@code ratios} ({@code W:H}), the one within 2 % of {@code width:height} and nearest to it, or null. */
  public static String nearestRatio(List<String> ratios, int width, int height) {
    double wanted = Math.log((double) width / height);
    String best = null;
    double bestDistance = Double.MAX_VALUE;
    for (String ratio : ratios) {
      int colon = ratio.indexOf(':');
      if (colon < 0) {
        continue;
      }
      double value = Math.log(Double.parseDouble(ratio.substring(0, colon)) / Double.parseDouble(ratio.substring(colon + 1)));
      double distance = Math.abs(value - wanted);
      if (distance < bestDistance && distance <= Math.log1p(RATIO_TOLERANCE)) {
        best = ratio;
        bestDistance = distance;
      }
    }
    return best;
  }
}

package io.genbus.api.images;

import io.genbus.api.errors.ApiException;
import io.genbus.protocol.Capabilities;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ImageOptions;
import io.genbus.protocol.WorkerInfo;
import java.util.List;
import java.util.TreeSet;

/**
 * Refuses, before anything is queued, an Images API request that no live worker of its model can serve
 * whole (every job of it must find one worker able to run all of its parameters): 400
 * {@code unsupported_parameter} naming the parameter and what the model's workers do support.
 */
public final class CapabilityCheck {

  private CapabilityCheck() {
  }

  public static void check(ImageRequest request, List<WorkerInfo> workers) {
    String first = null;
    for (WorkerInfo worker : workers) {
      String missing = worker.capabilities().unsupported(request.options(), request.n(), !request.images().isEmpty(),
          request.mask() != null);
      if (missing == null) {
        return; // this worker can run every job of the request
      }
      first = first == null ? missing : first;
    }
    if (first == null) {
      return; // no worker at all: the caller answers MODEL_NOT_FOUND
    }
    throw new ApiException(ErrorCode.UNSUPPORTED_PARAMETER, first, first, why(first, request, workers));
  }

  private static String why(String param, ImageRequest request, List<WorkerInfo> workers) {
    String model = request.model();
    ImageOptions options = request.options();
    return switch (param) {
      case "n" -> request.n() + " images: the workers of " + model + " make at most "
          + workers.stream().mapToInt(w -> w.capabilities().maxN()).max().orElse(0) + " a request";
      case "image" -> "the workers of " + model + " take no input images";
      case "mask" -> "the workers of " + model + " cannot edit within a mask";
      case "size" -> "the workers of " + model + " cannot make " + options.size() + " (they make: " + sizes(workers) + ")";
      case "background" -> "the workers of " + model + " cannot make a transparent background";
      case "output_format" -> "the workers of " + model + " cannot deliver " + options.outputFormat()
          + " (they deliver: " + String.join(", ", union(workers)) + ")"
          + (options.outputFormat().equals("webp") ? "; genbus writes PNG and JPEG itself, and WebP only passes"
              + " through from backends that make it (no well-kept pure-Java WebP encoder exists)" : "");
      default -> "not supported by the workers of " + model;
    };
  }

  private static String sizes(List<WorkerInfo> workers) {
    TreeSet<String> described = new TreeSet<>();
    for (WorkerInfo w : workers) {
      Capabilities c = w.capabilities();
      described.addAll(c.sizes());
      if (c.aspectRatios().contains(Capabilities.ANY_RATIO)) {
        described.add("any WxH with sides " + c.minSide() + "–" + c.maxSide());
      } else if (!c.aspectRatios().isEmpty()) {
        described.add("aspect ratios " + String.join(", ", c.aspectRatios()) + " up to " + c.maxSide() + " a side");
      }
    }
    return String.join("; ", described);
  }

  private static TreeSet<String> union(List<WorkerInfo> workers) {
    TreeSet<String> formats = new TreeSet<>();
    workers.forEach(w -> formats.addAll(w.capabilities().outputFormats()));
    return formats;
  }
}

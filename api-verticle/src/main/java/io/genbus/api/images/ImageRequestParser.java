package io.genbus.api.images;

import io.genbus.api.chat.ChatRequestParser;
import io.genbus.api.errors.ApiException;
import io.genbus.api.images.ImageRequest.ImageSource;
import io.genbus.protocol.ErrorCode;
import io.genbus.protocol.ImageOptions;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an Images API request — a JSON body, or the multipart form the official SDKs send for edits — into
 * an {@link ImageRequest}, or an {@link ApiException} naming the parameter. Unknown fields are ignored, as
 * for chat completions ({@code style}, {@code moderation} and {@code input_fidelity} among them).
 */
public final class ImageRequestParser {

  static final int MAX_SIDE = 16_384;
  static final int MAX_PARTIAL_IMAGES = 3;
  private static final Pattern SIZE = Pattern.compile("([1-9][0-9]{0,4})x([1-9][0-9]{0,4})");
  private static final Set<String> QUALITIES = Set.of("auto", "low", "medium", "high", "standard", "hd");
  private static final Set<String> FORMATS = Set.of("png", "jpeg", "webp");
  private static final Set<String> BACKGROUNDS = Set.of("transparent", "opaque", "auto");
  private static final Set<String> RESPONSE_FORMATS = Set.of("b64_json", "url");

  private ImageRequestParser() {
  }

  /** A JSON body: a generation, or an edit whose images are data URLs ({@code images: [{image_url}]}). */
  public static ImageRequest json(Buffer body, boolean edit, int maxImages, int maxPromptChars) {
    return json(ChatRequestParser.object(body), edit, maxImages, maxPromptChars);
  }

  /** The same, already decoded (the {@code body} of a {@code POST /v1/jobs}). */
  public static ImageRequest json(JsonObject json, boolean edit, int maxImages, int maxPromptChars) {
    Fields fields = new Fields(json::getValue, false);
    List<ImageSource> images = edit ? jsonImages(json, maxImages) : List.of();
    ImageSource mask = edit ? jsonImage(json.getValue("mask"), "mask") : null;
    return request(fields, edit, images, mask, maxPromptChars, ChatRequestParser.webhook(json, "webhook"));
  }

  /**
   * A multipart form: text fields as attributes, {@code image} / {@code image[]} files and an optional {@code mask};
   * a webhook as the field {@code webhook[url]}.
   */
  public static ImageRequest form(MultiMap attributes, List<MultipartBody.FilePart> files, int maxImages,
                                  int maxPromptChars) {
    Fields fields = new Fields(attributes::get, true);
    List<ImageSource> images = new ArrayList<>();
    ImageSource mask = null;
    for (MultipartBody.FilePart file : files) {
      switch (file.name()) {
        case "image", "image[]" -> images.add(new ImageSource("image[" + images.size() + "]", null, file.bytes()));
        case "mask" -> mask = new ImageSource("mask", null, file.bytes());
        default -> throw new IllegalStateException("not a file field: " + file.name());
      }
    }
    String webhook = attributes.get("webhook[url]");
    return request(fields, true, checkedCount(images, "image", maxImages), mask, maxPromptChars, webhook == null ? null
        : ChatRequestParser.webhook(new JsonObject().put("webhook", new JsonObject().put("url", webhook)), "webhook"));
  }

  /** @param maxPromptChars {@code api.maxPromptChars}, as for chat */
  private static ImageRequest request(Fields fields, boolean edit, List<ImageSource> images, ImageSource mask,
                                      int maxPromptChars, String webhook) {
    String model = fields.requiredString("model");
    String prompt = fields.requiredString("prompt");
    if (prompt.length() > maxPromptChars) {
      throw new ApiException(ErrorCode.INVALID_VALUE, "prompt", "prompt", "at most " + maxPromptChars + " characters");
    }
    int n = fields.integer("n", 1, 1, 10);
    Integer[] size = size(fields.choice("size", null, null));
    String quality = fields.choice("quality", null, QUALITIES);
    String responseFormat = fields.choice("response_format", "b64_json", RESPONSE_FORMATS);
    String outputFormat = fields.choice("output_format", "png", FORMATS);
    Integer compression = fields.has("output_compression") ? fields.integer("output_compression", 100, 0, 100) : null;
    String background = fields.choice("background", null, BACKGROUNDS);
    if ("transparent".equals(background) && outputFormat.equals("jpeg")) {
      throw new ApiException(ErrorCode.INVALID_VALUE, "background", "background",
          "transparent needs output_format png or webp (JPEG has no transparency)");
    }
    boolean stream = fields.bool("stream");
    int partialImages = fields.integer("partial_images", 0, 0, MAX_PARTIAL_IMAGES);
    String user = fields.choice("user", null, null);
    if (user != null && user.length() > 256) {
      throw new ApiException(ErrorCode.INVALID_VALUE, "user", "user", "at most 256 characters");
    }
    if (edit && images.isEmpty()) {
      throw new ApiException(ErrorCode.MISSING_PARAMETER, "image", "image");
    }
    ImageOptions options = new ImageOptions(size[0], size[1], quality, outputFormat, compression, background,
        stream ? partialImages : 0, user);
    return new ImageRequest(edit, model, prompt.strip(), n, options, responseFormat, stream, images, mask, webhook);
  }

  /** {@code auto} (or none): both null; {@code WxH}: the two sides. */
  private static Integer[] size(String size) {
    if (size == null || size.equals("auto")) {
      return new Integer[] {null, null};
    }
    Matcher m = SIZE.matcher(size);
    if (!m.matches() || Integer.parseInt(m.group(1)) > MAX_SIDE || Integer.parseInt(m.group(2)) > MAX_SIDE) {
      throw new ApiException(ErrorCode.INVALID_VALUE, "size", "size",
          "'" + shorten(size) + "' is not a size: use auto or WxH, e.g. 1024x1024");
    }
    return new Integer[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }

  /** {@code images: [{image_url: "data:…"}]} (OpenAI's JSON edits), or {@code image: "data:…"} / {@code image: [...]}. */
  private static List<ImageSource> jsonImages(JsonObject json, int maxImages) {
    List<ImageSource> images = new ArrayList<>();
    String key = json.containsKey("images") ? "images" : "image";
    Object value = json.getValue(key);
    if (value instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        images.add(jsonImage(array.getValue(i), key + "[" + i + "]"));
      }
    } else if (value != null) {
      images.add(jsonImage(value, key));
    }
    return checkedCount(images, key, maxImages);
  }

  private static ImageSource jsonImage(Object value, String param) {
    if (value == null) {
      return null;
    }
    if (value instanceof String url) {
      return new ImageSource(param, url, null);
    }
    if (value instanceof JsonObject object && object.getValue("image_url") instanceof String url) {
      return new ImageSource(param + ".image_url", url, null);
    }
    if (value instanceof JsonObject object && object.containsKey("file_id")) {
      throw new ApiException(ErrorCode.INVALID_VALUE, param + ".file_id", param + ".file_id",
          "files are not stored here: send the image as a data URL in image_url");
    }
    throw new ApiException(ErrorCode.INVALID_TYPE, param, param, "a data URL, or an object with a string 'image_url'");
  }

  private static List<ImageSource> checkedCount(List<ImageSource> images, String param, int maxImages) {
    if (images.size() > maxImages) {
      throw new ApiException(ErrorCode.TOO_MANY_IMAGES, param, images.size(), maxImages);
    }
    return images;
  }

  private static String shorten(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }

  /** Typed access to the request's fields; a multipart form's values are all strings, so they are converted. */
  private record Fields(Function<String, Object> values, boolean strings) {

    boolean has(String key) {
      return values.apply(key) != null;
    }

    String requiredString(String key) {
      return ChatRequestParser.requiredString(key, values.apply(key));
    }

    /** A string, one of {@code allowed} (any when null), or {@code fallback} when absent. */
    String choice(String key, String fallback, Set<String> allowed) {
      Object value = values.apply(key);
      if (value == null) {
        return fallback;
      }
      if (!(value instanceof String s)) {
        throw new ApiException(ErrorCode.INVALID_TYPE, key, key, "a string");
      }
      String v = allowed == null ? s : s.toLowerCase(Locale.ROOT);
      if (allowed != null && !allowed.contains(v)) {
        throw new ApiException(ErrorCode.INVALID_VALUE, key, key,
            "'" + shorten(s) + "' is not one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
      }
      return v;
    }

    int integer(String key, int fallback, int min, int max) {
      Object value = values.apply(key);
      if (value == null) {
        return fallback;
      }
      long n;
      if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())) {
        n = number.longValue();
      } else if (strings && value instanceof String s && s.strip().matches("-?[0-9]{1,9}")) {
        n = Long.parseLong(s.strip());
      } else {
        throw new ApiException(ErrorCode.INVALID_TYPE, key, key, "an integer");
      }
      if (n < min || n > max) {
        throw new ApiException(ErrorCode.INVALID_VALUE, key, key, "must be between " + min + " and " + max + ", not " + n);
      }
      return (int) n;
    }

    boolean bool(String key) {
      Object value = values.apply(key);
      if (value == null) {
        return false;
      }
      if (value instanceof Boolean b) {
        return b;
      }
      if (strings && value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
        return Boolean.parseBoolean(s);
      }
      throw new ApiException(ErrorCode.INVALID_TYPE, key, key, "a boolean");
    }
  }
}

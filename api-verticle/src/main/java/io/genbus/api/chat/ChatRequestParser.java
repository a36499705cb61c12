package io.genbus.api.chat;

import io.genbus.api.errors.ApiException;
import io.genbus.api.images.ImagePart;
import io.genbus.protocol.ErrorCode;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a request body into a {@link ChatRequest}, or an {@link ApiException} that names the offending
 * parameter the way OpenAI does ({@code messages[1].content}).
 *
 * <p>Bounded: a body is first scanned without building anything, and one of more than
 * {@link #MAX_JSON_VALUES} values is refused — a JSON tree costs many times its text (64 MiB of {@code {}}
 * would be millions of maps); the prompt is at most {@code maxPromptChars} long.
 */
public final class ChatRequestParser {

  /** Far more than any chat request has (a 1,000-turn conversation with parts is some 10,000). */
  static final int MAX_JSON_VALUES = 100_000;
  private static final JsonFactory SCANNER = new JsonFactory();

  private ChatRequestParser() {
  }

  /**
   * @param maxImages      how many images the last user message may carry ({@code api.images.maxCount})
   * @param maxPromptChars the longest prompt accepted ({@code api.maxPromptChars})
   */
  public static ChatRequest parse(Buffer body, int maxImages, int maxPromptChars) {
    return parse(object(body), maxImages, maxPromptChars);
  }

  /** The same, for a body already decoded (the {@code body} of {@code POST /v1/jobs}). */
  public static ChatRequest parse(JsonObject json, int maxImages, int maxPromptChars) {
    String model = requiredString(json, "model");
    boolean stream = optionalBoolean(json, "stream");
    Long seed = optionalInteger(json, "seed");
    JsonArray messages = messages(json);
    int last = lastUserMessage(messages);
    List<ImagePart> images = images(messages.getJsonObject(last), last, maxImages);
    String prompt = prompt(messages.getJsonObject(last), last, !images.isEmpty(), maxPromptChars);
    return new ChatRequest(model, prompt, stream, seed, images, webhook(json, "webhook"));
  }

  /** {@code webhook: {"url": "https://…"}} (optional): an http(s) URL of at most 2048 characters. */
  public static String webhook(JsonObject json, String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject webhook)) {
      throw new ApiException(ErrorCode.INVALID_TYPE, key, key, "an object {\"url\": …}");
    }
    Object url = webhook.getValue("url");
    if (!(url instanceof String s) || !(s.startsWith("https://") || s.startsWith("http://")) || s.length() > 2048) {
      throw new ApiException(ErrorCode.INVALID_VALUE, key + ".url", key + ".url", "an http(s) URL of at most 2048 characters");
    }
    return s;
  }

  /** The body as a JSON object, within the value bound; also the Images API's. */
  public static JsonObject object(Buffer body) {
    if (body == null || body.length() == 0) {
      throw new ApiException(ErrorCode.INVALID_JSON, null, "the body is empty");
    }
    countValues(body);
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new ApiException(ErrorCode.INVALID_JSON, null, firstLine(e.getMessage()));
    }
    if (!(value instanceof JsonObject json)) {
      throw new ApiException(ErrorCode.INVALID_JSON, null, "expected a JSON object");
    }
    return json;
  }

  /** Refuses a body of more than {@link #MAX_JSON_VALUES} JSON values before any of them is built. */
  private static void countValues(Buffer body) {
    int values = 0;
    try (JsonParser parser = SCANNER.createParser(new BufferInput(body))) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token != JsonToken.END_OBJECT && token != JsonToken.END_ARRAY && token != JsonToken.FIELD_NAME
            && ++values > MAX_JSON_VALUES) {
          throw new ApiException(ErrorCode.INVALID_JSON, null, "more than " + MAX_JSON_VALUES + " values");
        }
      }
    } catch (IOException e) {
      throw new ApiException(ErrorCode.INVALID_JSON, null, firstLine(e.getMessage()));
    }
  }

  /** Reads a buffer in place (its bytes are not copied). */
  private static final class BufferInput extends InputStream {
    private final Buffer buffer;
    private int position;

    BufferInput(Buffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public int read() {
      return position < buffer.length() ? buffer.getByte(position++) & 0xff : -1;
    }

    @Override
    public int read(byte[] into, int offset, int length) {
      if (position >= buffer.length()) {
        return -1;
      }
      int n = Math.min(length, buffer.length() - position);
      buffer.getBytes(position, position + n, into, offset);
      position += n;
      return n;
    }
  }

  private static String requiredString(JsonObject json, String key) {
    return requiredString(key, json.getValue(key));
  }

  /** {@code value} as the non-blank string parameter {@code key} must be, or the 400 that says why not. */
  public static String requiredString(String key, Object value) {
    if (value == null) {
      throw new ApiException(ErrorCode.MISSING_PARAMETER, key, key);
    }
    if (!(value instanceof String s)) {
      throw new ApiException(ErrorCode.INVALID_TYPE, key, key, "a string");
    }
    if (s.isBlank()) {
      throw new ApiException(ErrorCode.INVALID_VALUE, key, key, "must not be empty");
    }
    return s;
  }

  private static boolean optionalBoolean(JsonObject json, String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean b)) {
      throw new ApiException(ErrorCode.INVALID_TYPE, key, key, "a boolean");
    }
    return b;
  }

  private static Long optionalInteger(JsonObject json, String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new ApiException(ErrorCode.INVALID_TYPE, key, key, "an integer");
    }
    return n.longValue();
  }

  private static JsonArray messages(JsonObject json) {
    Object value = json.getValue("messages");
    if (value == null) {
      throw new ApiException(ErrorCode.MISSING_PARAMETER, "messages", "messages");
    }
    if (!(value instanceof JsonArray messages)) {
      throw new ApiException(ErrorCode.INVALID_TYPE, "messages", "messages", "an array");
    }
    if (messages.isEmpty()) {
      throw new ApiException(ErrorCode.INVALID_VALUE, "messages", "messages", "at least one message is required");
    }
    for (int i = 0; i < messages.size(); i++) {
      String where = "messages[" + i + "]";
      if (!(messages.getValue(i) instanceof JsonObject message)) {
        throw new ApiException(ErrorCode.INVALID_TYPE, where, where, "an object");
      }
      if (!(message.getValue("role") instanceof String)) {
        throw message.getValue("role") == null
            ? new ApiException(ErrorCode.MISSING_PARAMETER, where + ".role", where + ".role")
            : new ApiException(ErrorCode.INVALID_TYPE, where + ".role", where + ".role", "a string");
      }
      Object content = message.getValue("content");
      if (content != null && !(content instanceof String) && !(content instanceof JsonArray)) {
        throw new ApiException(ErrorCode.INVALID_TYPE, where + ".content", where + ".content",
            "a string or an array of content parts");
      }
      if (content instanceof JsonArray parts) {
        checkParts(parts, where + ".content");
      }
    }
    return messages;
  }

  private static void checkParts(JsonArray parts, String where) {
    for (int j = 0; j < parts.size(); j++) {
      String part = where + "[" + j + "]";
      if (!(parts.getValue(j) instanceof JsonObject p) || !(p.getValue("type") instanceof String type)) {
        throw new ApiException(ErrorCode.INVALID_TYPE, part, part, "an object with a string 'type'");
      }
      if (type.equals("text") && !(p.getValue("text") instanceof String)) {
        throw new ApiException(ErrorCode.INVALID_TYPE, part + ".text", part + ".text", "a string");
      }
      if (type.equals("image_url") && imageUrl(p) == null) {
        throw new ApiException(ErrorCode.INVALID_TYPE, part + ".image_url", part + ".image_url",
            "an object with a string 'url', or a string");
      }
    }
  }

  private static int lastUserMessage(JsonArray messages) {
    for (int i = messages.size() - 1; i >= 0; i--) {
      if ("user".equals(messages.getJsonObject(i).getString("role"))) {
        return i;
      }
    }
    throw new ApiException(ErrorCode.INVALID_VALUE, "messages", "messages", "no message has the role 'user'");
  }

  /**
   * The prompt is the text of the last user message: a string, or its text parts joined by newlines. It may
   * be empty only when the message carries images (the backend then makes a variation of them).
   */
  private static String prompt(JsonObject message, int index, boolean hasImages, int maxPromptChars) {
    Object content = message.getValue("content");
    long length = content instanceof JsonArray parts ? textLength(parts) : content == null ? 0 : ((String) content).length();
    if (length > maxPromptChars) {
      // OpenAI names "messages" for a prompt that is too long.
      throw new ApiException(ErrorCode.INVALID_VALUE, "messages", "messages",
          "the prompt (the text of the last user message) is " + length + " characters, at most " + maxPromptChars);
    }
    String text = content instanceof JsonArray parts ? textOf(parts) : (String) content;
    if ((text == null || text.isBlank()) && !hasImages) {
      throw new ApiException(ErrorCode.INVALID_VALUE, "messages[" + index + "].content",
          "messages[" + index + "].content", "the last user message has no text to use as the prompt");
    }
    return text == null ? "" : text.strip();
  }

  /** The images of the last user message (earlier messages' images are not used, as in the spec). */
  private static List<ImagePart> images(JsonObject message, int index, int maxImages) {
    if (!(message.getValue("content") instanceof JsonArray parts)) {
      return List.of();
    }
    List<ImagePart> images = new ArrayList<>();
    for (int j = 0; j < parts.size(); j++) {
      JsonObject part = parts.getJsonObject(j);
      if ("image_url".equals(part.getString("type"))) {
        images.add(new ImagePart("messages[" + index + "].content[" + j + "]", imageUrl(part)));
      }
    }
    if (images.size() > maxImages) {
      throw new ApiException(ErrorCode.TOO_MANY_IMAGES, "messages[" + index + "].content", images.size(), maxImages);
    }
    return images;
  }

  /** {@code image_url} is {@code {"url": "..."}} in OpenAI's API; some clients send the URL string itself. */
  private static String imageUrl(JsonObject part) {
    Object value = part.getValue("image_url");
    if (value instanceof String url) {
      return url;
    }
    if (value instanceof JsonObject object && object.getValue("url") instanceof String url) {
      return url;
    }
    return null;
  }

  /** The length of {@link #textOf}, without building it. */
  private static long textLength(JsonArray parts) {
    long length = 0;
    int texts = 0;
    for (int j = 0; j < parts.size(); j++) {
      JsonObject part = parts.getJsonObject(j);
      if ("text".equals(part.getString("type"))) {
        length += part.getString("text").length() + (texts++ > 0 ? 1 : 0);
      }
    }
    return length;
  }

  private static String textOf(JsonArray parts) {
    StringBuilder text = new StringBuilder();
    for (int j = 0; j < parts.size(); j++) {
      JsonObject part = parts.getJsonObject(j);
      if ("text".equals(part.getString("type"))) {
        if (!text.isEmpty()) {
          text.append('\n');
        }
        text.append(part.getString("text"));
      }
    }
    return text.toString();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    String line = nl < 0 ? message : message.substring(0, nl);
    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
  }
}

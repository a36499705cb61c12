package io.genbus.api.images;

import io.genbus.api.errors.ApiException;
import io.genbus.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code multipart/form-data} body read in memory — no temporary files — within the bound every body has
 * ({@code api.maxBodyBytes}, 413 beyond it), and split into parts here rather than by Netty: the official
 * SDKs send image files as parts without a file name, which Netty's decoder would take for text fields
 * (limited to a few KiB, and decoded as text). The parts named {@code image}, {@code image[]} and
 * {@code mask} are files; every other part is a UTF-8 text field.
 */
public final class MultipartBody {

  static final Set<String> FILE_FIELDS = Set.of("image", "image[]", "mask");
  private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary=(\"([^\"]+)\"|([^;\\s]+))");
  private static final Pattern NAME = Pattern.compile("(?i)\\bname=\"([^\"]*)\"");
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] HEADERS_END = {'\r', '\n', '\r', '\n'};

  /** One uploaded file. */
  public record FilePart(String name, byte[] bytes) {
  }

  /** The form: its text fields and its files, in the order sent. */
  public record Form(MultiMap attributes, List<FilePart> files) {
  }

  private MultipartBody() {
  }

  /** Reads the whole body, at most {@code maxBytes}; call it in the tick the request is routed in. */
  public static Future<Buffer> read(HttpServerRequest request, long maxBytes) {
    String length = request.getHeader("Content-Length");
    if (length != null && length.matches("[0-9]{1,18}") && Long.parseLong(length) > maxBytes) {
      return Future.failedFuture(new ApiException(ErrorCode.REQUEST_TOO_LARGE, null, maxBytes));
    }
    Promise<Buffer> done = Promise.promise();
    Buffer body = Buffer.buffer();
    request.handler(chunk -> {
      if (done.future().isComplete()) {
        return; // after a 413 the rest is read and dropped
      }
      if (body.length() + chunk.length() > maxBytes) {
        done.tryFail(new ApiException(ErrorCode.REQUEST_TOO_LARGE, null, maxBytes));
      } else {
        body.appendBuffer(chunk);
      }
    });
    request.exceptionHandler(done::tryFail);
    request.endHandler(v -> done.tryComplete(body));
    request.resume();
    return done.future();
  }

  /** Splits a body into its parts (blocking on large bodies: call it on a worker thread). */
  public static Form parse(String contentType, Buffer body) {
    Matcher boundary = BOUNDARY.matcher(contentType == null ? "" : contentType);
    if (!boundary.find()) {
      throw malformed("the Content-Type names no boundary");
    }
    byte[] bytes = body.getBytes();
    byte[] delimiter = ("--" + (boundary.group(2) != null ? boundary.group(2) : boundary.group(3)))
        .getBytes(StandardCharsets.ISO_8859_1);
    MultiMap attributes = MultiMap.caseInsensitiveMultiMap();
    List<FilePart> files = new ArrayList<>();
    int at = indexOf(bytes, delimiter, 0);
    if (at < 0) {
      throw malformed("no part starts with the boundary");
    }
    while (true) {
      int after = at + delimiter.length;
      if (after + 2 <= bytes.length && bytes[after] == '-' && bytes[after + 1] == '-') {
        break; // the closing delimiter
      }
      int headersStart = indexOf(bytes, CRLF, after);
      int headersEnd = headersStart < 0 ? -1 : indexOf(bytes, HEADERS_END, headersStart);
      if (headersEnd < 0) {
        throw malformed("a part has no end of headers");
      }
      String headers = new String(bytes, headersStart + 2, headersEnd - headersStart - 2, StandardCharsets.UTF_8);
      int contentStart = headersEnd + 4;
      int next = indexOf(bytes, delimiter, contentStart);
      if (next < 0) {
        throw malformed("the body ends inside a part");
      }
      int contentEnd = next - 2; // the CRLF before the delimiter belongs to it
      if (contentEnd < contentStart || bytes[contentEnd] != '\r' || bytes[contentEnd + 1] != '\n') {
        throw malformed("a part does not end with CRLF before the boundary");
      }
      String name = name(headers);
      if (FILE_FIELDS.contains(name)) {
        files.add(new FilePart(name, Arrays.copyOfRange(bytes, contentStart, contentEnd)));
      } else {
        attributes.add(name, new String(bytes, contentStart, contentEnd - contentStart, StandardCharsets.UTF_8));
      }
      at = next;
    }
    return new Form(attributes, files);
  }

  private static String name(String headers) {
    for (String line : headers.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-disposition:")) {
        Matcher m = NAME.matcher(line);
        if (m.find()) {
          return m.group(1);
        }
      }
    }
    throw malformed("a part has no Content-Disposition name");
  }

  private static ApiException malformed(String why) {
    return new ApiException(ErrorCode.INVALID_VALUE, null, "multipart body", why);
  }

  /** The first index of {@code pattern} in {@code data} from {@code from}, or -1. */
  static int indexOf(byte[] data, byte[] pattern, int from) {
    byte first = pattern[0];
    int last = data.length - pattern.length;
    for (int i = Math.max(0, from); i <= last; i++) {
      if (data[i] != first) {
        continue;
      }
      int j = 1;
      while (j < pattern.length && data[i + j] == pattern[j]) {
        j++;
      }
      if (j == pattern.length) {
        return i;
      }
    }
    return -1;
  }
}

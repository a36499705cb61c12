package io.genbus.worker.openai;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits streamed message content into text and images: markdown images ({@code ![alt](target)}) and bare
 * data URLs are taken out and collected; the rest is text, handed on as soon as it cannot be the start of
 * an image. Feed it the pieces in order, then {@link #finish()}.
 */
final class MarkdownImages {

  private static final String MARKDOWN = "![";
  private static final String DATA = "data:image/";
  private static final String BASE64 = ";base64,";

  private final StringBuilder pending = new StringBuilder();
  private final List<String> images = new ArrayList<>();

  /** One image found in the text: where it starts and ends, and its target. */
  private record Found(int start, int end, String target, boolean bare) {
  }

  /** Adds a piece; returns the text that is certainly not part of an image. */
  String feed(String piece) {
    return feed(piece, false);
  }

  private String feed(String piece, boolean last) {
    pending.append(piece);
    StringBuilder text = new StringBuilder();
    int from = 0;
    for (Found f = next(pending, 0); f != null; f = next(pending, from)) {
      if (!last && f.end() == pending.length() && f.bare()) {
        break; // a bare data URL may still go on in the next piece
      }
      text.append(pending, from, f.start());
      images.add(f.target());
      from = f.end();
    }
    pending.delete(0, from);
    int hold = holdFrom(pending);
    text.append(pending, 0, hold);
    pending.delete(0, hold);
    return text.toString();
  }

  /**
   * The first image at or after {@code from}: {@code ![alt](target)} with a {@code data:image/} or http(s) target,
   * or a bare {@code data:image/<type>;base64,<data>}. Scanned by hand, not by a regular expression: an image is
   * kilobytes to megabytes of base64, and a regex's character classes cost several times a plain comparison
   * for each of them (a fifth of the worker's CPU in front of a fast upstream).
   */
  private static Found next(CharSequence s, int from) {
    int markdown = indexOf(s, MARKDOWN, from);
    int data = indexOf(s, DATA, from);
    while (markdown >= 0 || data >= 0) {
      if (markdown >= 0 && (data < 0 || markdown <= data)) {
        Found f = markdownAt(s, markdown);
        if (f != null) {
          return f;
        }
        markdown = indexOf(s, MARKDOWN, markdown + 1);
      } else {
        Found f = dataAt(s, data);
        if (f != null) {
          return f;
        }
        data = indexOf(s, DATA, data + 1);
      }
    }
    return null;
  }

  private static Found markdownAt(CharSequence s, int start) {
    int i = start + MARKDOWN.length();
    while (i < s.length() && s.charAt(i) != ']') {
      i++;
    }
    if (i + 1 >= s.length() || s.charAt(i + 1) != '(') {
      return null;
    }
    i = skipSpace(s, i + 2);
    int target = i;
    if (!(startsWith(s, i, DATA) || startsWith(s, i, "http://") || startsWith(s, i, "https://"))) {
      return null;
    }
    while (i < s.length() && s.charAt(i) != ')' && !Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    int targetEnd = i;
    i = skipSpace(s, i);
    if (i >= s.length() || s.charAt(i) != ')') {
      return null;
    }
    return new Found(start, i + 1, s.subSequence(target, targetEnd).toString(), false);
  }

  private static Found dataAt(CharSequence s, int start) {
    int i = start + DATA.length();
    int type = i;
    while (i < s.length() && (Character.isLetter(s.charAt(i)) && s.charAt(i) < 128 || "+.-".indexOf(s.charAt(i)) >= 0)) {
      i++;
    }
    if (i == type || !startsWith(s, i, BASE64)) {
      return null;
    }
    i += BASE64.length();
    int payload = i;
    while (i < s.length() && base64(s.charAt(i))) {
      i++;
    }
    return i == payload ? null : new Found(start, i, s.subSequence(start, i).toString(), true);
  }

  private static boolean base64(char c) {
    return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=';
  }

  private static int skipSpace(CharSequence s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean startsWith(CharSequence s, int at, String prefix) {
    if (at + prefix.length() > s.length()) {
      return false;
    }
    for (int k = 0; k < prefix.length(); k++) {
      if (s.charAt(at + k) != prefix.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(CharSequence s, String what, int from) {
    return s instanceof StringBuilder b ? b.indexOf(what, from) : s.toString().indexOf(what, from);
  }

  /** The text left at the end. */
  String finish() {
    String rest = feed("", true);
    String tail = pending.toString();
    pending.setLength(0);
    return rest + tail;
  }

  List<String> images() {
    return images;
  }

  /** Where an image may be starting: the text from there on is held back until it is complete or ruled out. */
  private static int holdFrom(CharSequence text) {
    String s = text.toString();
    int markdown = s.lastIndexOf("![");
    int data = s.lastIndexOf("data:image/");
    if (markdown >= 0 || data >= 0) {
      // the earlier one: a data URL inside an unfinished markdown image belongs to that image
      return markdown >= 0 && data >= 0 ? Math.min(markdown, data) : Math.max(markdown, data);
    }
    // a lone "!" or a partial "data:image/" prefix at the very end
    for (int i = Math.max(0, s.length() - 11); i < s.length(); i++) {
      String tail = s.substring(i);
      if ("![".startsWith(tail) || "data:image/".startsWith(tail)) {
        return i;
      }
    }
    return s.length();
  }
}

package io.genbus.api.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a piece of content into parts whose JSON string encoding (as Jackson's byte writer makes it: UTF-8;
 * quotes, backslashes, control characters and surrogate pairs escaped) fits {@code budget} bytes, never
 * inside a surrogate pair.
 * Joined again they are the same text: a client that concatenates {@code delta.content} gets what it would
 * have got in one chunk.
 */
final class ContentSplitter {

  private ContentSplitter() {
  }

  /** At least one part (the empty text is one empty part). */
  static List<String> split(String text, int budget) {
    if (budget < 12) { // room for the longest escape, a surrogate pair
      throw new IllegalArgumentException("a budget of " + budget + " bytes leaves no room for content");
    }
    List<String> parts = new ArrayList<>();
    int start = 0;
    int used = 0;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
      int cost = pair ? 12 : cost(c); // Jackson's byte writer escapes a pair as two six-character escapes
      if (used + cost > budget && i > start) {
        parts.add(text.substring(start, i));
        start = i;
        used = 0;
      }
      used += cost;
      i += pair ? 2 : 1;
    }
    parts.add(text.substring(start));
    return parts;
  }

  /** Bytes of one char in a JSON string as Jackson writes it. */
  static int cost(char c) {
    if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
      return 2;
    }
    if (c < 0x20) {
      return 6; // a six-character escape
    }
    if (c < 0x80) {
      return 1;
    }
    if (Character.isSurrogate(c)) {
      return 6; // escaped, as a pair's halves are
    }
    return c < 0x800 ? 2 : 3;
  }
}

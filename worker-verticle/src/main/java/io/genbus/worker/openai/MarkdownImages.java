package io.genbus.worker.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits streamed message content into text and images: markdown images ({@code ![alt](target)}) and bare
 * data URLs are taken out and collected; the rest is text, handed on as soon as it cannot be the start of
 * an image. Feed it the pieces in order, then {@link #finish()}.
 */
final class MarkdownImages {

  private static final Pattern IMAGE = Pattern.compile("!\\[[^\\]]*]\\(\\s*((?:data:image/|https?://)[^)\\s]+)\\s*\\)"
      + "|(data:image/[a-zA-Z+.-]+;base64,[A-Za-z0-9+/=]+)");

  private final StringBuilder pending = new StringBuilder();
  private final List<String> images = new ArrayList<>();

  /** Adds a piece; returns the text that is certainly not part of an image. */
  String feed(String piece) {
    return feed(piece, false);
  }

  private String feed(String piece, boolean last) {
    pending.append(piece);
    StringBuilder text = new StringBuilder();
    Matcher m = IMAGE.matcher(pending);
    int from = 0;
    while (m.find()) {
      if (!last && m.end() == pending.length() && m.group(2) != null) {
        break; // a bare data URL may still go on in the next piece
      }
      text.append(pending, from, m.start());
      images.add(m.group(1) != null ? m.group(1) : m.group(2));
      from = m.end();
    }
    pending.delete(0, from);
    int hold = holdFrom(pending);
    text.append(pending, 0, hold);
    pending.delete(0, hold);
    return text.toString();
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

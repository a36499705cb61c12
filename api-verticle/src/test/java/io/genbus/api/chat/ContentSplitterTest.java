package io.genbus.api.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Cutting content into chunks")
class ContentSplitterTest {

  /** The bytes a part takes inside a JSON string, as the stream writes it. */
  static int encoded(String part) {
    return new JsonObject().put("c", part).toBuffer().length() - "{\"c\":\"\"}".length();
  }

  @Test
  @DisplayName("parts fit the budget once JSON-encoded, and join to the text")
  void fitsAndJoins() {
    String text = "![generated](data:image/png;base64," + "QUJD".repeat(5000) + ")\n\"quoted\" \\ tab\t 蓝色的海 😀 end"
        + "\u0001".repeat(30) + "😀".repeat(100);
    for (int budget : new int[] {12, 13, 100, 1000, 32_000}) {
      List<String> parts = ContentSplitter.split(text, budget);
      assertEquals(text, String.join("", parts), "budget " + budget);
      for (String part : parts) {
        assertTrue(encoded(part) <= budget, "a part of " + encoded(part) + " bytes over " + budget);
        assertFalse(!part.isEmpty() && Character.isLowSurrogate(part.charAt(0)), "a surrogate pair was cut");
      }
    }
  }

  @Test
  @DisplayName("a short piece is one part; empty is one empty part")
  void short_() {
    assertEquals(List.of("a cat"), ContentSplitter.split("a cat", 100));
    assertEquals(List.of(""), ContentSplitter.split("", 100));
  }
}

package io.genbus.api.images;

import io.genbus.api.images.ImageBatch.Made;
import io.genbus.imaging.ImageHeader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;

/**
 * The JSON of the Images API's answers for one request, as OpenAI shapes them: the whole answer
 * ({@code {created, data, background, output_format, quality, size, usage}}) and the stream's events. genbus
 * counts no tokens: {@code usage} is all zeros.
 */
final class ImageJson {

  private final ImageRequest request;
  private final long created;

  ImageJson(ImageRequest request, long created) {
    this.request = request;
    this.created = created;
  }

  /** @param urls the stored images' links in {@code url} mode, else null (then {@code b64_json}) */
  JsonObject answer(List<Made> images, List<String> urls) {
    JsonArray data = new JsonArray();
    for (int i = 0; i < images.size(); i++) {
      Made image = images.get(i);
      JsonObject item = urls == null
          ? new JsonObject().put("b64_json", Base64.getEncoder().encodeToString(image.bytes()))
          : new JsonObject().put("url", urls.get(i));
      if (image.revisedPrompt() != null) {
        item.put("revised_prompt", image.revisedPrompt());
      }
      data.add(item);
    }
    return described(new JsonObject().put("created", created).put("data", data), images.get(0).bytes())
        .put("usage", usage());
  }

  JsonObject partialEvent(int index, String mimeType, byte[] bytes) {
    return event("partial_image", bytes).put("partial_image_index", index);
  }

  JsonObject completedEvent(Made image) {
    JsonObject event = event("completed", image.bytes()).put("usage", usage());
    if (image.revisedPrompt() != null) {
      event.put("revised_prompt", image.revisedPrompt());
    }
    return event;
  }

  String eventType(String what) {
    return request.eventPrefix() + "." + what;
  }

  private JsonObject event(String what, byte[] bytes) {
    return described(new JsonObject()
        .put("type", eventType(what))
        .put("b64_json", Base64.getEncoder().encodeToString(bytes))
        .put("created_at", created), bytes);
  }

  /** The answer's description of the image: its real size and format (read from its header), quality, background. */
  private JsonObject described(JsonObject json, byte[] image) {
    ImageHeader header = ImageHeader.read(image);
    String size = header != null ? header.width() + "x" + header.height() : request.options().size();
    return json
        .put("background", request.options().transparent() ? "transparent" : "opaque")
        .put("output_format", header != null ? header.format() : request.options().outputFormat())
        .put("quality", request.options().quality() == null ? "auto" : request.options().quality())
        .put("size", size);
  }

  static JsonObject usage() {
    return new JsonObject()
        .put("total_tokens", 0)
        .put("input_tokens", 0)
        .put("output_tokens", 0)
        .put("input_tokens_details", new JsonObject().put("text_tokens", 0).put("image_tokens", 0));
  }
}

package io.genbus.api.chat;

import io.genbus.api.images.ImagePart;
import java.util.List;

/**
 * The parts of a chat completions request genbus acts on; unknown fields are ignored, as OpenAI clients
 * send many.
 *
 * @param model  the model asked for
 * @param prompt the text of the last user message
 * @param stream whether the client wants SSE
 * @param seed   optional seed for reproducible images
 * @param images the image parts of the last user message, not yet checked or decoded
 * @param webhook genbus's own {@code webhook.url}: called when a durable job ends; null for none
 */
public record ChatRequest(String model, String prompt, boolean stream, Long seed, List<ImagePart> images,
                          String webhook) {
}

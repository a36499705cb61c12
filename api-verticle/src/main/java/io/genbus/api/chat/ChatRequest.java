package io.genbus.api.chat;

/**
 * The parts of a chat completions request genbus acts on; unknown fields are ignored, as OpenAI clients
 * send many.
 *
 * @param model  the model asked for
 * @param prompt the text of the last user message
 * @param stream whether the client wants SSE
 * @param seed   optional seed for reproducible images
 */
public record ChatRequest(String model, String prompt, boolean stream, Long seed) {
}

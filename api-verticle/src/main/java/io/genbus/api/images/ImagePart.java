package io.genbus.api.images;

/**
 * One {@code image_url} part of the last user message, as the client sent it.
 *
 * @param param where it is in the request, e.g. {@code messages[0].content[1]}, for error messages
 * @param url   the URL (genbus accepts base64 data URLs only)
 */
public record ImagePart(String param, String url) {
}

package io.genbus.protocol;

/**
 * An input image of a job (image-to-image), already converted by the API node: JPEG, transparency
 * flattened onto white, longest side at most {@code api.images.maxSide}.
 *
 * @param mimeType always {@code image/jpeg} today
 * @param data     base64 of the image bytes
 * @param width    pixels
 * @param height   pixels
 */
public record InputImage(String mimeType, String data, int width, int height) {
}

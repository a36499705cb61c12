package io.genbus.protocol;

/**
 * An input image of a job (image-to-image), already converted by the API node: JPEG, transparency
 * flattened onto white, longest side at most {@code api.images.maxSide}.
 *
 * @param mimeType always {@code image/jpeg} today
 * @param data     the image bytes (raw on the wire: the codec is binary)
 * @param width    pixels
 * @param height   pixels
 */
public record InputImage(String mimeType, byte[] data, int width, int height) {

  /** Size and type only: the bytes do not belong in a log line. */
  @Override
  public String toString() {
    return "InputImage[" + mimeType + ", " + width + "x" + height + ", " + (data == null ? 0 : data.length) + " bytes]";
  }
}

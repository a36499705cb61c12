package io.genbus.config;

/**
 * {@code api.images}: input limits and conversion, and how generated images are returned.
 *
 * @param maxCount   images accepted in the last user message (5; at most 10)
 * @param maxBytes   size of one image once base64-decoded (20 MiB)
 * @param maxPixels  width × height of one image, read from its header before decoding (25,000,000: a 24 MP
 *                   camera frame passes; the image is subsampled toward maxSide while it is decoded, so
 *                   this bounds decoding time more than memory)
 * @param maxSide    input images are scaled down so their longest side is at most this (2048)
 * @param output     markdown (default), dataurl or url
 * @param ttlSeconds how long an image stays fetchable in {@code url} mode (3600)
 * @param maxStoredBytes largest generated image stored in {@code url} mode (32 MiB: a 4K PNG fits); a larger one
 *                   ends the request with image_too_large instead of filling the cluster's map
 */
public record ImagesConfig(Integer maxCount, Long maxBytes, Long maxPixels, Integer maxSide, ImageOutputMode output,
                           Integer ttlSeconds, Long maxStoredBytes) {
  public ImagesConfig {
    maxCount = Checks.range("api.images.maxCount", maxCount, 5, 0, 10);
    maxBytes = maxBytes == null ? 20L * 1024 * 1024 : maxBytes;
    if (maxBytes < 1024) {
      throw new ConfigException("api.images.maxBytes must be at least 1024, not " + maxBytes);
    }
    maxPixels = maxPixels == null ? 25_000_000L : maxPixels;
    if (maxPixels < 1) {
      throw new ConfigException("api.images.maxPixels must be positive, not " + maxPixels);
    }
    maxSide = Checks.range("api.images.maxSide", maxSide, 2048, 16, 16384);
    output = output == null ? ImageOutputMode.MARKDOWN : output;
    ttlSeconds = Checks.range("api.images.ttlSeconds", ttlSeconds, 3600, 1, 30 * 86_400);
    maxStoredBytes = maxStoredBytes == null ? 32L * 1024 * 1024 : maxStoredBytes;
    if (maxStoredBytes < 1024) {
      throw new ConfigException("api.images.maxStoredBytes must be at least 1024, not " + maxStoredBytes);
    }
  }

  public static ImagesConfig defaults() {
    return new ImagesConfig(null, null, null, null, null, null, null);
  }
}

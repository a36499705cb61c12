package io.genbus.api.jobs;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Job ids: 96 random bits as 24 hex characters, unique and unguessable. */
public final class JobIds {

  private static final SecureRandom RANDOM = new SecureRandom();

  private JobIds() {
  }

  public static String next() {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}

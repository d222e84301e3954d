package io.vfu4j.runtime.server;

/** Little-endian byte helpers for tests. */
final class VfioUserClientBytes {
  private VfioUserClientBytes() {}

  static byte[] le(long value, int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (value >>> (8 * i));
    }
    return b;
  }
}

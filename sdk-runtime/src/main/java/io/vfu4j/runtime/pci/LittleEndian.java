package io.vfu4j.runtime.pci;

/** Little-endian field access on byte arrays: config space, MSI-X table and PBA are all LE. */
final class LittleEndian {
  private LittleEndian() {}

  static int u8(byte[] a, int off) {
    return a[off] & 0xff;
  }

  static int u16(byte[] a, int off) {
    return (a[off] & 0xff) | (a[off + 1] & 0xff) << 8;
  }

  static int u32(byte[] a, int off) {
    return u16(a, off) | u16(a, off + 2) << 16;
  }

  static void put8(byte[] a, int off, int value) {
    a[off] = (byte) value;
  }

  static void put16(byte[] a, int off, int value) {
    a[off] = (byte) value;
    a[off + 1] = (byte) (value >>> 8);
  }

  static void put32(byte[] a, int off, int value) {
    put16(a, off, value);
    put16(a, off + 2, value >>> 16);
  }

  /** Reads {@code size} (1..8) bytes at {@code off} as an unsigned little-endian value. */
  static long get(byte[] a, int off, int size) {
    long value = 0;
    for (int i = size - 1; i >= 0; i--) {
      value = value << 8 | (a[off + i] & 0xff);
    }
    return value;
  }
}

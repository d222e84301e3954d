package io.vfu4j.runtime.pci;

import static io.vfu4j.runtime.pci.LittleEndian.put16;
import static io.vfu4j.runtime.pci.LittleEndian.put32;
import static io.vfu4j.runtime.pci.LittleEndian.put8;

/**
 * The three parallel arrays a config-space layout fills: reset values, the RW mask and the RW1C
 * mask. Each setter states the access type of one register, like QEMU's register tables.
 */
final class ConfigImage {
  final byte[] image;
  final byte[] writeMask;
  final byte[] w1cMask;

  ConfigImage(int size) {
    image = new byte[size];
    writeMask = new byte[size];
    w1cMask = new byte[size];
  }

  /** Read-only byte. */
  void ro8(int off, int value) {
    put8(image, off, value);
  }

  /** Read-only word. */
  void ro16(int off, int value) {
    put16(image, off, value);
  }

  /** Read-only dword. */
  void ro32(int off, int value) {
    put32(image, off, value);
  }

  /** A byte with {@code writable} bits RW and reset value {@code value}. */
  void rw8(int off, int value, int writable) {
    put8(image, off, value);
    put8(writeMask, off, writable);
  }

  /** A word with {@code writable} bits RW and reset value {@code value}. */
  void rw16(int off, int value, int writable) {
    put16(image, off, value);
    put16(writeMask, off, writable);
  }

  /** A dword with {@code writable} bits RW and reset value {@code value}. */
  void rw32(int off, int value, int writable) {
    put32(image, off, value);
    put32(writeMask, off, writable);
  }

  /** Marks {@code clearable} bits of a word write-1-to-clear (its value is set separately). */
  void w1c16(int off, int clearable) {
    put16(w1cMask, off, clearable);
  }

  /** Marks {@code clearable} bits of a dword write-1-to-clear. */
  void w1c32(int off, int clearable) {
    put32(w1cMask, off, clearable);
  }
}

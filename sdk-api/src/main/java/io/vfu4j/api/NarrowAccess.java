package io.vfu4j.api;

/**
 * What an access narrower than a register's width does ({@link Register#narrowAccess()}). Only
 * access sizes listed in {@link Register#accessSizes()} reach the register at all; this decides
 * where such a narrower access decodes and which bits it touches.
 */
public enum NarrowAccess {
  /**
   * A narrower access reaches the bytes it addresses, at any naturally aligned offset inside the
   * register: a read returns those bytes, a write replaces only them and keeps the others (a
   * read-merge-write). This is how byte-enabled buses behave towards most real device registers
   * and what QEMU's register API ({@code hw/register.h}) does for its registers.
   */
  BYTE_LANES,

  /**
   * A narrower access is an access of the whole register, and decodes only at the register's own
   * offset: a write replaces the whole register with the value zero-extended (the upper bytes
   * become 0), a read returns the register's low bytes, and read/write hooks and effects apply as
   * to a full-width access. Narrower accesses at other offsets inside the register do not decode:
   * they read all ones and their writes are dropped.
   *
   * <p>This models devices whose MMIO handler switches on the offset and ignores the size, such
   * as the 64-bit DMA registers of QEMU's {@code edu} device (0x80, 0x88, 0x90, 0x98): a 4-byte
   * write to 0x80 sets the DMA source to the 32-bit value, a 4-byte access to 0x84 goes nowhere.
   */
  WHOLE_REGISTER
}

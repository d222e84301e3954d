package io.vfu4j.runtime.spi;

/**
 * Where a capability sits in config space.
 *
 * @param id capability ID (8-bit for standard, 16-bit for extended capabilities)
 * @param extended true for an extended capability (offset ≥ 0x100)
 * @param offset offset of its header
 * @param length length in bytes, header included
 */
public record CapabilityLocation(int id, boolean extended, int offset, int length) {
  /** Standard capability IDs. */
  public static final int PM = 0x01, MSI = 0x05, VENDOR = 0x09, PCI_EXPRESS = 0x10, MSIX = 0x11;

  /** Extended capability IDs. */
  public static final int AER = 0x0001, DSN = 0x0003, ATS = 0x000F, PRI = 0x0013, PASID = 0x001B;
}

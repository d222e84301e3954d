package io.vfu4j.runtime.pci;

/**
 * Register offsets and bits shared by the layout ({@link ConfigSpaceBuilder}) and the emulation
 * ({@link ConfigSpace}). Names follow Linux {@code pci_regs.h}; capability registers are relative
 * to the capability header.
 */
final class PciRegs {
  private PciRegs() {}

  // Type-0 header.
  static final int VENDOR_ID = 0x00, DEVICE_ID = 0x02, COMMAND = 0x04, STATUS = 0x06,
      REVISION = 0x08, CLASS_PROG = 0x09, CACHE_LINE_SIZE = 0x0c, LATENCY_TIMER = 0x0d,
      HEADER_TYPE = 0x0e, BAR0 = 0x10, SUBSYSTEM_VENDOR_ID = 0x2c, SUBSYSTEM_ID = 0x2e,
      ROM_ADDRESS = 0x30, CAPABILITY_LIST = 0x34, INTERRUPT_LINE = 0x3c, INTERRUPT_PIN = 0x3d;

  /** Command bits the guest may write: I/O, memory, bus master, parity, SERR, INTx disable. */
  static final int COMMAND_WRITABLE = 0x0001 | 0x0002 | 0x0004 | 0x0040 | 0x0100 | 0x0400;
  static final int STATUS_INTERRUPT = 0x0008, STATUS_CAP_LIST = 0x0010;
  /** Status error bits that are write-1-to-clear: parity, target/master aborts, SERR. */
  static final int STATUS_W1C = 0x0100 | 0x0800 | 0x1000 | 0x2000 | 0x4000 | 0x8000;

  static final int FIRST_CAPABILITY = 0x40, FIRST_EXTENDED = 0x100;

  // Power Management.
  static final int PM_PMC = 2, PM_CTRL = 4, PM_SIZE = 8;
  static final int PM_STATE_MASK = 0x0003, PM_NO_SOFT_RESET = 0x0008, PM_PME_ENABLE = 0x0100,
      PM_PME_STATUS = 0x8000;
  static final int PM_D0 = 0, PM_D1 = 1, PM_D2 = 2, PM_D3HOT = 3;

  // MSI.
  static final int MSI_FLAGS = 2, MSI_ADDRESS_LO = 4;
  static final int MSI_ENABLE = 0x0001, MSI_QMASK = 0x000e, MSI_QSIZE = 0x0070,
      MSI_64BIT = 0x0080, MSI_MASKABLE = 0x0100;

  // MSI-X.
  static final int MSIX_FLAGS = 2, MSIX_TABLE = 4, MSIX_PBA = 8, MSIX_SIZE = 12;
  static final int MSIX_ENABLE = 0x8000, MSIX_FUNCTION_MASK = 0x4000;

  // PCI Express.
  static final int EXP_FLAGS = 0x02, EXP_DEVCAP = 0x04, EXP_DEVCTL = 0x08, EXP_DEVSTA = 0x0a,
      EXP_LNKCAP = 0x0c, EXP_LNKCTL = 0x10, EXP_LNKSTA = 0x12, EXP_DEVCAP2 = 0x24,
      EXP_DEVCTL2 = 0x28, EXP_LNKCAP2 = 0x2c, EXP_LNKCTL2 = 0x30, EXP_SIZE = 0x3c;
  static final int EXP_DEVCAP_FLR = 1 << 28, EXP_DEVCTL_BCR_FLR = 0x8000;
  static final int EXP_DEVCAP2_EE_PREFIX = 1 << 21;
  /** Device Status: Correctable, Non-Fatal, Fatal Error Detected, Unsupported Request Detected (RW1C). */
  static final int EXP_DEVSTA_CED = 0x1, EXP_DEVSTA_NFED = 0x2, EXP_DEVSTA_FED = 0x4, EXP_DEVSTA_URD = 0x8;

  // Vendor-specific.
  static final int VENDOR_LENGTH = 2, VENDOR_HEADER = 3;

  // AER.
  static final int AER_UNCOR_STATUS = 0x04, AER_UNCOR_MASK = 0x08, AER_UNCOR_SEVER = 0x0c,
      AER_COR_STATUS = 0x10, AER_COR_MASK = 0x14, AER_CAP = 0x18, AER_SIZE = 0x48;
  /** Uncorrectable error bits defined by PCIe 4.0: 4, 5 and 12..26. */
  static final int AER_UNCOR_BITS = 0x07fff030;
  /** Correctable error bits: 0, 6, 7, 8, 12..15. */
  static final int AER_COR_BITS = 0xf1c1;
  static final int AER_ADVISORY_NON_FATAL = 0x2000;
  /** Uncorrectable status bit 20: Unsupported Request Error. */
  static final int AER_UNSUPPORTED_REQUEST = 1 << 20;
  static final int AER_ECRC_GEN_CAPABLE = 0x20, AER_ECRC_GEN_ENABLE = 0x40,
      AER_ECRC_CHECK_CAPABLE = 0x80, AER_ECRC_CHECK_ENABLE = 0x100;

  // DSN.
  static final int DSN_SIZE = 12;

  // ATS.
  static final int ATS_CAP = 4, ATS_CTRL = 6, ATS_SIZE = 8;
  static final int ATS_PAGE_ALIGNED = 0x20, ATS_GLOBAL_INVALIDATE = 0x40;
  static final int ATS_ENABLE = 0x8000, ATS_STU = 0x001f;

  // PRI.
  static final int PRI_CTRL = 4, PRI_STATUS = 6, PRI_MAX_REQ = 8, PRI_ALLOC_REQ = 0x0c, PRI_SIZE = 16;
  static final int PRI_ENABLE = 0x0001, PRI_RESET = 0x0002;
  static final int PRI_STATUS_RF = 0x0001, PRI_STATUS_UPRGI = 0x0002, PRI_STATUS_STOPPED = 0x0100,
      PRI_STATUS_PASID = 0x8000;

  // PASID.
  static final int PASID_CAP = 4, PASID_CTRL = 6, PASID_SIZE = 8;
  static final int PASID_EXEC = 0x0002, PASID_PRIV = 0x0004, PASID_ENABLE = 0x0001;
}

package io.vfu4j.runtime.irq;

/**
 * Number of vectors per IRQ index.
 *
 * @param intx 0 or 1
 * @param msi 0 to 32, a power of two when not 0
 * @param msix 0 to 2048
 * @param err 0 or 1
 * @param req 0 or 1
 */
public record IrqCounts(int intx, int msi, int msix, int err, int req) {
  public IrqCounts {
    check("INTx", intx, 1);
    check("MSI", msi, 32);
    if (msi != 0 && Integer.bitCount(msi) != 1) {
      throw new IllegalArgumentException("MSI vector count must be a power of two: " + msi);
    }
    check("MSI-X", msix, 2048);
    check("ERR", err, 1);
    check("REQ", req, 1);
  }

  /** Counts with one ERR and one REQ vector, as libvfio-user and QEMU expect. */
  public static IrqCounts of(int intx, int msi, int msix) {
    return new IrqCounts(intx, msi, msix, 1, 1);
  }

  private static void check(String name, int count, int max) {
    if (count < 0 || count > max) {
      throw new IllegalArgumentException(name + " vector count must be 0.." + max + ": " + count);
    }
  }

  /** The count of index {@code index} (see {@link IrqFlags}). */
  public int of(int index) {
    return switch (index) {
      case IrqFlags.INTX -> intx;
      case IrqFlags.MSI -> msi;
      case IrqFlags.MSIX -> msix;
      case IrqFlags.ERR -> err;
      case IrqFlags.REQ -> req;
      default -> throw new IllegalArgumentException("no IRQ index " + index);
    };
  }
}

package io.vfu4j.runtime.irq;

/** IRQ indices and the flag bits of DEVICE_GET_IRQ_INFO and DEVICE_SET_IRQS (as in VFIO). */
public final class IrqFlags {
  /** Index of the legacy INTx line. */
  public static final int INTX = 0;
  /** Index of MSI. */
  public static final int MSI = 1;
  /** Index of MSI-X. */
  public static final int MSIX = 2;
  /** Index of the error notification (QEMU stops the VM when it fires). */
  public static final int ERR = 3;
  /** Index of the device request (QEMU asks the guest to release the device). */
  public static final int REQ = 4;
  /** Number of IRQ indices of a PCI device. */
  public static final int INDEX_COUNT = 5;

  /** GET_IRQ_INFO: the index can signal through an eventfd. */
  public static final int INFO_EVENTFD = 1;
  /** GET_IRQ_INFO: MASK/UNMASK are supported. */
  public static final int INFO_MASKABLE = 1 << 1;
  /** GET_IRQ_INFO: the vector masks itself after firing until UNMASK. */
  public static final int INFO_AUTOMASKED = 1 << 2;
  /** GET_IRQ_INFO: vectors must be set up as a set. */
  public static final int INFO_NORESIZE = 1 << 3;

  /** SET_IRQS data type: none, act on every vector of the range. */
  public static final int DATA_NONE = 1;
  /** SET_IRQS data type: one boolean byte per vector. */
  public static final int DATA_BOOL = 1 << 1;
  /** SET_IRQS data type: one eventfd per vector, in the ancillary data. */
  public static final int DATA_EVENTFD = 1 << 2;
  /** SET_IRQS action: mask. */
  public static final int ACTION_MASK = 1 << 3;
  /** SET_IRQS action: unmask. */
  public static final int ACTION_UNMASK = 1 << 4;
  /** SET_IRQS action: trigger now, or register the trigger eventfd. */
  public static final int ACTION_TRIGGER = 1 << 5;

  static final int DATA_MASK = DATA_NONE | DATA_BOOL | DATA_EVENTFD;
  static final int ACTION_MASK_ALL = ACTION_MASK | ACTION_UNMASK | ACTION_TRIGGER;

  private IrqFlags() {}
}

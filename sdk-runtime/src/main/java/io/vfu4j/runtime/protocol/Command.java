package io.vfu4j.runtime.protocol;

/** vfio-user command numbers (spec §3). */
public enum Command {
  VERSION(1),
  DMA_MAP(2),
  DMA_UNMAP(3),
  DEVICE_GET_INFO(4),
  DEVICE_GET_REGION_INFO(5),
  DEVICE_GET_REGION_IO_FDS(6),
  DEVICE_GET_IRQ_INFO(7),
  DEVICE_SET_IRQS(8),
  REGION_READ(9),
  REGION_WRITE(10),
  DMA_READ(11),
  DMA_WRITE(12),
  DEVICE_RESET(13),
  DIRTY_PAGES(14),
  REGION_WRITE_MULTI(15),
  DEVICE_FEATURE(16),
  MIG_DATA_READ(17),
  MIG_DATA_WRITE(18),
  // IOMMU extension (docs/protocol-extension.md §4); 100 stays unknown (reserved, ENOSYS).
  ATS_TRANSLATE(101),
  ATS_INVALIDATE(102),
  DMA_READ_EX(103),
  DMA_WRITE_EX(104),
  PRI_PAGE_REQUEST(105),
  PRI_PAGE_RESPONSE(106);

  private static final Command[] BY_CODE = new Command[107];

  static {
    for (Command c : values()) {
      BY_CODE[c.code] = c;
    }
  }

  private final int code;

  Command(int code) {
    this.code = code;
  }

  /** True for a command of the IOMMU extension (101–106). */
  public boolean iommuExtension() {
    return code > 100;
  }

  /** The number on the wire. */
  public int code() {
    return code;
  }

  /** The command with this number, or null for an unknown one. */
  public static Command of(int code) {
    return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}

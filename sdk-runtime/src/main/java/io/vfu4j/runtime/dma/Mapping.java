package io.vfu4j.runtime.dma;

/**
 * One DMA_MAP'ed range of guest memory, as seen from outside the engine.
 *
 * @param address first DMA address (unsigned)
 * @param size length in bytes
 * @param fileOffset offset of the range in the client's file (meaningless without an fd)
 * @param flags {@link DmaEngine#READ} and/or {@link DmaEngine#WRITE}
 * @param fdBacked true if the range is mapped from a client fd; false if only messages reach it
 */
public record Mapping(long address, long size, long fileOffset, int flags, boolean fdBacked) {
  /** The last address inside the range (unsigned); never wraps for a valid mapping. */
  public long lastAddress() {
    return address + size - 1;
  }

  /** True if DMA reads (device reads guest memory) are permitted. */
  public boolean readable() {
    return (flags & DmaEngine.READ) != 0;
  }

  /** True if DMA writes (device writes guest memory) are permitted. */
  public boolean writable() {
    return (flags & DmaEngine.WRITE) != 0;
  }

  boolean overlaps(long otherAddress, long otherLast) {
    return Long.compareUnsigned(address, otherLast) <= 0
        && Long.compareUnsigned(otherAddress, lastAddress()) <= 0;
  }

  @Override
  public String toString() {
    return "Mapping[0x%x+0x%x, offset 0x%x, %s%s%s]"
        .formatted(
            address, size, fileOffset, readable() ? "r" : "-", writable() ? "w" : "-",
            fdBacked ? ", fd" : ", messages");
  }
}

package io.vfu4j.api;

/** A DMA access that could not be carried out (unmapped, not permitted, bus master off, I/O error). */
public class DmaException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The guest address of the failed access. */
  private final long address;

  /** Creates an exception for the access at {@code address}. */
  public DmaException(long address, String message) {
    super(message + " at 0x" + Long.toHexString(address));
    this.address = address;
  }

  /** Creates an exception for the access at {@code address}, with a cause. */
  public DmaException(long address, String message, Throwable cause) {
    super(message + " at 0x" + Long.toHexString(address), cause);
    this.address = address;
  }

  /** The guest address of the failed access. */
  public long address() {
    return address;
  }
}

package io.vfu4j.runtime.pci;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * The MSI-X table and Pending Bit Array of a function, in the BAR ranges its MSI-X capability names.
 * The server routes BAR accesses that {@link #claims} to {@link #read}/{@link #write} before the
 * device model sees them.
 *
 * <p>Two client models meet here. A client that programs the table itself through BAR writes gets
 * full masking: an event on a masked vector sets its pending bit, and unmasking (vector mask bit or
 * MSI-X Function Mask cleared) delivers it through the {@link #onUnmask unmask handler}. QEMU
 * instead emulates the table and masking itself and only forwards PBA reads, so the server's table
 * stays in its reset state; {@link #programmedByClient()} tells the interrupt layer which model
 * the client uses.
 *
 * <p>Accesses of any size at any offset are served byte by byte; bytes outside the table and PBA
 * read 0 and ignore writes. Not thread-safe: the device thread owns it.
 */
public final class MsixTable {
  private static final int ENTRY_SIZE = 16;
  private static final int VECTOR_CONTROL = 12;
  private static final int MASK_BIT = 0x1;
  /** Writable bits of each entry byte: address bits 1:0 are zero, vector control has only the mask bit. */
  private static final byte[] ENTRY_WRITABLE = {
    (byte) 0xfc, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, MASK_BIT, 0, 0, 0
  };

  private final ConfigSpace config;
  private final int vectors;
  private final int tableBar;
  private final long tableOffset;
  private final int pbaBar;
  private final long pbaOffset;
  private final byte[] table;
  private final long[] pending;
  private IntConsumer unmaskHandler = vector -> {};
  private boolean programmedByClient;

  MsixTable(ConfigSpace config, int vectors, int tableBar, long tableOffset, int pbaBar, long pbaOffset) {
    this.config = config;
    this.vectors = vectors;
    this.tableBar = tableBar;
    this.tableOffset = tableOffset;
    this.pbaBar = pbaBar;
    this.pbaOffset = pbaOffset;
    this.table = new byte[vectors * ENTRY_SIZE];
    this.pending = new long[(vectors + 63) / 64];
    reset();
  }

  /** Number of vectors. */
  public int vectors() {
    return vectors;
  }

  public int tableBar() {
    return tableBar;
  }

  public long tableOffset() {
    return tableOffset;
  }

  public int pbaBar() {
    return pbaBar;
  }

  public long pbaOffset() {
    return pbaOffset;
  }

  /** Size of the PBA in bytes: one bit a vector, in whole qwords. */
  public long pbaSize() {
    return pending.length * 8L;
  }

  /**
   * Sets the handler called with a vector that was masked with its pending bit set and has just
   * become deliverable; its pending bit is already clear. The interrupt layer sends the message.
   */
  public void onUnmask(IntConsumer handler) {
    this.unmaskHandler = handler == null ? vector -> {} : handler;
  }

  /** True when {@code [offset, offset + size)} of {@code bar} touches the table or the PBA. */
  public boolean claims(int bar, long offset, int size) {
    return overlaps(bar, offset, size, tableBar, tableOffset, table.length)
        || overlaps(bar, offset, size, pbaBar, pbaOffset, pbaSize());
  }

  private static boolean overlaps(int bar, long offset, int size, int rangeBar, long rangeOffset, long rangeSize) {
    return bar == rangeBar && offset < rangeOffset + rangeSize && offset + size > rangeOffset;
  }

  /** A read of {@code size} (1..8) bytes, little-endian, zero-extended. */
  public long read(int bar, long offset, int size) {
    long value = 0;
    for (int i = size - 1; i >= 0; i--) {
      value = value << 8 | readByte(bar, offset + i);
    }
    return value;
  }

  private int readByte(int bar, long at) {
    if (bar == tableBar && at >= tableOffset && at < tableOffset + table.length) {
      return table[(int) (at - tableOffset)] & 0xff;
    }
    if (bar == pbaBar && at >= pbaOffset && at < pbaOffset + pbaSize()) {
      int index = (int) (at - pbaOffset);
      return (int) (pending[index >> 3] >>> ((index & 7) * 8)) & 0xff;
    }
    return 0;
  }

  /** A write of the low {@code size} (1..8) bytes of {@code value}; PBA writes are dropped. */
  public void write(int bar, long offset, int size, long value) {
    if (bar != tableBar) {
      return;
    }
    boolean touched = false;
    for (int i = 0; i < size; i++) {
      long at = offset + i;
      if (at < tableOffset || at >= tableOffset + table.length) {
        continue;
      }
      int index = (int) (at - tableOffset);
      int vector = index / ENTRY_SIZE;
      touched = true;
      int writable = ENTRY_WRITABLE[index % ENTRY_SIZE];
      int newByte = (int) (value >>> (8 * i)) & 0xff;
      if (index % ENTRY_SIZE == VECTOR_CONTROL) {
        // Unmasking is seen per vector, on the byte that holds the mask bit.
        boolean wasMasked = (table[index] & MASK_BIT) != 0;
        table[index] = (byte) ((table[index] & ~writable) | (newByte & writable));
        if (wasMasked && (table[index] & MASK_BIT) == 0) {
          deliverIfPending(vector);
        }
      } else {
        table[index] = (byte) ((table[index] & ~writable) | (newByte & writable));
      }
    }
    programmedByClient |= touched;
  }

  /** True when the vector may not fire now: Function Mask or its own mask bit is set. */
  public boolean masked(int vector) {
    checkVector(vector);
    return config.msixFunctionMasked() || (table[vector * ENTRY_SIZE + VECTOR_CONTROL] & MASK_BIT) != 0;
  }

  /** The vector's own mask bit, regardless of Function Mask. */
  public boolean vectorMaskBit(int vector) {
    checkVector(vector);
    return (table[vector * ENTRY_SIZE + VECTOR_CONTROL] & MASK_BIT) != 0;
  }

  public boolean pending(int vector) {
    checkVector(vector);
    return (pending[vector >> 6] & 1L << vector) != 0;
  }

  /** Sets or clears the vector's pending bit (the interrupt layer does when a masked vector fires). */
  public void setPending(int vector, boolean value) {
    checkVector(vector);
    if (value) {
      pending[vector >> 6] |= 1L << vector;
    } else {
      pending[vector >> 6] &= ~(1L << vector);
    }
  }

  /** Message address of the vector (upper:lower). */
  public long address(int vector) {
    checkVector(vector);
    return LittleEndian.get(table, vector * ENTRY_SIZE, 8);
  }

  /** Message data of the vector. */
  public int data(int vector) {
    checkVector(vector);
    return LittleEndian.u32(table, vector * ENTRY_SIZE + 8);
  }

  /** True once the client wrote the table since the last reset (QEMU never does: it emulates the table). */
  public boolean programmedByClient() {
    return programmedByClient;
  }

  /** Reset values: every vector masked, addresses and data 0, no pending bits. */
  public void reset() {
    Arrays.fill(table, (byte) 0);
    for (int v = 0; v < vectors; v++) {
      table[v * ENTRY_SIZE + VECTOR_CONTROL] = MASK_BIT;
    }
    Arrays.fill(pending, 0);
    programmedByClient = false;
  }

  /** Delivers every pending vector that is deliverable now (MSI-X enabled and nothing masks it). */
  void deliverPendingUnmasked() {
    for (int v = 0; v < vectors; v++) {
      if ((pending[v >> 6] & 1L << v) != 0) {
        deliverIfPending(v);
      }
    }
  }

  private void deliverIfPending(int vector) {
    if (pending(vector) && config.msixEnabled() && !masked(vector)) {
      setPending(vector, false);
      unmaskHandler.accept(vector);
    }
  }

  private void checkVector(int vector) {
    if (vector < 0 || vector >= vectors) {
      throw new IllegalArgumentException("MSI-X vector " + vector + " is not in 0.." + (vectors - 1));
    }
  }
}

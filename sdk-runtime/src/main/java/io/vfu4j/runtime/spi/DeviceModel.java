package io.vfu4j.runtime.spi;

import io.vfu4j.api.ResetReason;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * One device instance as the runtime drives it: BAR register accesses, reset and state. The
 * runtime calls every method on the device thread only, so implementations need no locks.
 *
 * <p>Config space, MSI-X table/PBA and {@code @Memory} ranges are served by the runtime and never
 * reach {@link #read}/{@link #write}.
 */
public interface DeviceModel {
  /**
   * A guest read of {@code size} bytes (1, 2, 4 or 8) at {@code offset} in {@code bar}, naturally
   * aligned. Returns the value, zero-extended; unimplemented offsets and refused access sizes
   * return all ones of {@code size} bytes (what a read that no register claims gives on a bus).
   */
  long read(int bar, long offset, int size);

  /** A guest write of the low {@code size} bytes of {@code value}; refused accesses are dropped. */
  void write(int bar, long offset, int size, long value);

  /** Restores reset values of every register, then calls the author's {@code @OnReset} hooks. */
  void reset(ResetReason reason);

  /** Writes the register state (not memory ranges) for migration. */
  void saveState(DataOutput out) throws IOException;

  /** Reads state written by {@link #saveState}; rejects a stream of another layout. */
  void loadState(DataInput in) throws IOException;

  /** The author's device object. */
  Object device();
}

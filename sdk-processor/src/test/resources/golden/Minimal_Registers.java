package test;

import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.spi.DeviceModel;
import io.vfu4j.runtime.spi.RegisterPolicy;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import javax.annotation.processing.Generated;

/**
 * Register dispatch of {@link Minimal}: unclaimed offsets read all ones and ignore writes.
 */
@Generated("io.vfu4j.processor.PciDeviceProcessor")
public final class Minimal_Registers implements DeviceModel {
  /**
   * Identifies the register layout in saved state.
   */
  private static final long LAYOUT_HASH = 0xe68f1bd55ca7caa1L;

  private static final RegisterPolicy SCRATCH = new RegisterPolicy(0xffffffffL, 0xffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private final Minimal device;

  public Minimal_Registers(Minimal device) {
    this.device = device;
    restoreResetValues();
  }

  @Override
  public long read(int bar, long offset, int size) {
    return switch (bar) {
      case 0 -> readBar0(offset, size);
      default -> RegisterPolicy.allOnes(size);
    };
  }

  @Override
  public void write(int bar, long offset, int size, long value) {
    switch (bar) {
      case 0 -> writeBar0(offset, size, value);
      default -> { }
    }
  }

  private long readBar0(long offset, int size) {
    if (offset < 0L || offset >= 0x4L) {
      return RegisterPolicy.allOnes(size);
    }
    switch ((int) offset) {
      case 0x0 -> {
        return readScratch(offset - 0x0L, size);
      }
      default -> { }
    }
    return RegisterPolicy.allOnes(size);
  }

  private void writeBar0(long offset, int size, long value) {
    if (offset < 0L || offset >= 0x4L) {
      return;
    }
    switch ((int) offset) {
      case 0x0 -> {
        writeScratch(offset - 0x0L, size, value);
      }
      default -> { }
    }
  }

  private long readScratch(long at, int size) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = (device.scratch & 0xffffffffL);
    long seen = stored;
    return (SCRATCH.visible(seen) & lane) >>> (at << 3);
  }

  private void writeScratch(long at, int size, long value) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.scratch & 0xffffffffL);
    long next = SCRATCH.write(old, value << (at << 3), lane);
    device.scratch = (int) next;
  }

  @Override
  public void reset(ResetReason reason) {
    restoreResetValues();
  }

  private void restoreResetValues() {
    device.scratch = (int) 0x12345678L;
  }

  @Override
  public void saveState(DataOutput out) throws IOException {
    out.writeLong(LAYOUT_HASH);
    out.writeInt(device.scratch);
  }

  @Override
  public void loadState(DataInput in) throws IOException {
    long layout = in.readLong();
    if (layout != LAYOUT_HASH) {
      throw new IOException("saved state has register layout 0x" + Long.toHexString(layout) + ", this device has 0x" + Long.toHexString(LAYOUT_HASH));
    }
    int vScratch = in.readInt();
    device.scratch = vScratch;
  }

  @Override
  public Minimal device() {
    return device;
  }
}

package test;

import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.spi.DeviceModel;
import io.vfu4j.runtime.spi.RegisterPolicy;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import javax.annotation.processing.Generated;

/**
 * Register dispatch of {@link Express}: unclaimed offsets read all ones and ignore writes.
 */
@Generated("io.vfu4j.processor.PciDeviceProcessor")
public final class Express_Registers implements DeviceModel {
  /**
   * Identifies the register layout in saved state.
   */
  private static final long LAYOUT_HASH = 0x14dcb47de4b7b466L;

  private static final RegisterPolicy CONTROL = new RegisterPolicy(0xffffffffffffffffL, 0xffffffffffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy MODE = new RegisterPolicy(0xffffL, 0xffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy PORT = new RegisterPolicy(0xffL, 0xffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private final Express device;

  public Express_Registers(Express device) {
    this.device = device;
    restoreResetValues();
  }

  @Override
  public long read(int bar, long offset, int size) {
    return switch (bar) {
      case 0 -> readBar0(offset, size);
      case 4 -> readBar4(offset, size);
      default -> RegisterPolicy.allOnes(size);
    };
  }

  @Override
  public void write(int bar, long offset, int size, long value) {
    switch (bar) {
      case 0 -> writeBar0(offset, size, value);
      case 4 -> writeBar4(offset, size, value);
      default -> { }
    }
  }

  private long readBar0(long offset, int size) {
    if (offset < 0L || offset >= 0xaL) {
      return RegisterPolicy.allOnes(size);
    }
    switch ((int) offset) {
      case 0x0, 0x4 -> {
        return readControl(offset - 0x0L, size);
      }
      case 0x8 -> {
        return readMode(offset - 0x8L, size);
      }
      default -> { }
    }
    return RegisterPolicy.allOnes(size);
  }

  private void writeBar0(long offset, int size, long value) {
    if (offset < 0L || offset >= 0xaL) {
      return;
    }
    switch ((int) offset) {
      case 0x0, 0x4 -> {
        writeControl(offset - 0x0L, size, value);
      }
      case 0x8 -> {
        writeMode(offset - 0x8L, size, value);
      }
      default -> { }
    }
  }

  private long readBar4(long offset, int size) {
    if (offset < 0L || offset >= 0x1L) {
      return RegisterPolicy.allOnes(size);
    }
    switch ((int) offset) {
      case 0x0 -> {
        return readPort(offset - 0x0L, size);
      }
      default -> { }
    }
    return RegisterPolicy.allOnes(size);
  }

  private void writeBar4(long offset, int size, long value) {
    if (offset < 0L || offset >= 0x1L) {
      return;
    }
    switch ((int) offset) {
      case 0x0 -> {
        writePort(offset - 0x0L, size, value);
      }
      default -> { }
    }
  }

  private long readControl(long at, int size) {
    if ((12 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = device.control;
    long seen = stored;
    return (CONTROL.visible(seen) & lane) >>> (at << 3);
  }

  private void writeControl(long at, int size, long value) {
    if ((12 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = device.control;
    long next = CONTROL.write(old, value << (at << 3), lane);
    device.control = next;
  }

  private long readMode(long at, int size) {
    if ((2 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = (device.mode & 0xffffL);
    long seen = stored;
    return (MODE.visible(seen) & lane) >>> (at << 3);
  }

  private void writeMode(long at, int size, long value) {
    if ((2 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.mode & 0xffffL);
    long next = MODE.write(old, value << (at << 3), lane);
    device.mode = (short) next;
  }

  private long readPort(long at, int size) {
    if ((1 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = (device.port & 0xffL);
    long seen = stored;
    return (PORT.visible(seen) & lane) >>> (at << 3);
  }

  private void writePort(long at, int size, long value) {
    if ((1 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.port & 0xffL);
    long next = PORT.write(old, value << (at << 3), lane);
    device.port = (byte) next;
  }

  @Override
  public void reset(ResetReason reason) {
    restoreResetValues();
    device.clear();
  }

  private void restoreResetValues() {
    device.control = 0x0L;
    device.mode = (short) 0x0L;
    device.port = (byte) 0x0L;
  }

  @Override
  public void saveState(DataOutput out) throws IOException {
    out.writeLong(LAYOUT_HASH);
    out.writeLong(device.control);
    out.writeShort(device.mode);
    out.writeByte(device.port);
  }

  @Override
  public void loadState(DataInput in) throws IOException {
    long layout = in.readLong();
    if (layout != LAYOUT_HASH) {
      throw new IOException("saved state has register layout 0x" + Long.toHexString(layout) + ", this device has 0x" + Long.toHexString(LAYOUT_HASH));
    }
    long vControl = in.readLong();
    short vMode = in.readShort();
    byte vPort = in.readByte();
    device.control = vControl;
    device.mode = vMode;
    device.port = vPort;
  }

  @Override
  public Express device() {
    return device;
  }
}

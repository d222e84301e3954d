package test;

import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.spi.DeviceModel;
import io.vfu4j.runtime.spi.RegisterPolicy;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import javax.annotation.processing.Generated;

/**
 * Register dispatch of {@link Edu}: unclaimed offsets read all ones and ignore writes.
 */
@Generated("io.vfu4j.processor.PciDeviceProcessor")
public final class Edu_Registers implements DeviceModel {
  /**
   * Identifies the register layout in saved state.
   */
  private static final long LAYOUT_HASH = 0xb54f50ed7f1eddfL;

  private static final RegisterPolicy IDENTIFICATION = new RegisterPolicy(0xffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy LIVENESS = new RegisterPolicy(0xffffffffL, 0xffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy FACTORIAL = new RegisterPolicy(0xffffffffL, 0xffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy SCRATCH = new RegisterPolicy(0xffffffffL, 0xffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy STATUS = new RegisterPolicy(0x81L, 0x80L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy IRQ_STATUS = new RegisterPolicy(0xffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy IRQ_RAISE = new RegisterPolicy(0x0L, 0xffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy IRQ_ACK = new RegisterPolicy(0xffffffffL, 0x0L, 0xffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy COUNTERS = new RegisterPolicy(0xffffffffffffL, 0xffffL, 0x0L, 0xffff0000L, 0xff0000000000L, 0xff00000000L, 0xffffL, 0x0L);

  private static final RegisterPolicy COMMAND = new RegisterPolicy(0x0L, 0xffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy DMA_SOURCE = new RegisterPolicy(0xffffffffffffffffL, 0xffffffffffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy DMA_DESTINATION = new RegisterPolicy(0xffffffffffffffffL, 0xffffffffffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private static final RegisterPolicy DOORBELL = new RegisterPolicy(0xffffffffL, 0xffffffffL, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L, 0x0L);

  private final Edu device;

  public Edu_Registers(Edu device) {
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
    if (offset < 0L || offset >= 0x11cL) {
      return RegisterPolicy.allOnes(size);
    }
    switch ((int) offset) {
      case 0x0 -> {
        return readIdentification(offset - 0x0L, size);
      }
      case 0x4 -> {
        return readLiveness(offset - 0x4L, size);
      }
      case 0x8 -> {
        return readFactorial(offset - 0x8L, size);
      }
      case 0x10, 0x11, 0x12, 0x13 -> {
        return readScratch(offset - 0x10L, size);
      }
      case 0x20 -> {
        return readStatus(offset - 0x20L, size);
      }
      case 0x24 -> {
        return readIrqStatus(offset - 0x24L, size);
      }
      case 0x60 -> {
        return readIrqRaise(offset - 0x60L, size);
      }
      case 0x64 -> {
        return readIrqAck(offset - 0x64L, size);
      }
      case 0x68 -> {
        return readCounters(offset - 0x68L, size);
      }
      case 0x70, 0x72 -> {
        return readCommand(offset - 0x70L, size);
      }
      case 0x80 -> {
        return readDmaSource(offset - 0x80L, size);
      }
      case 0x88, 0x8c -> {
        return readDmaDestination(offset - 0x88L, size);
      }
      default -> { }
    }
    if (offset >= 0x100L && offset < 0x11cL) {
      long rel = offset - 0x100L;
      int index = (int) (rel / 0x8L);
      long at = rel - index * 0x8L;
      if (at < 4) {
        return readDoorbell(index, at, size);
      }
    }
    return RegisterPolicy.allOnes(size);
  }

  private void writeBar0(long offset, int size, long value) {
    if (offset < 0L || offset >= 0x11cL) {
      return;
    }
    switch ((int) offset) {
      case 0x0 -> {
        writeIdentification(offset - 0x0L, size, value);
      }
      case 0x4 -> {
        writeLiveness(offset - 0x4L, size, value);
      }
      case 0x8 -> {
        writeFactorial(offset - 0x8L, size, value);
      }
      case 0x10, 0x11, 0x12, 0x13 -> {
        writeScratch(offset - 0x10L, size, value);
      }
      case 0x20 -> {
        writeStatus(offset - 0x20L, size, value);
      }
      case 0x24 -> {
        writeIrqStatus(offset - 0x24L, size, value);
      }
      case 0x60 -> {
        writeIrqRaise(offset - 0x60L, size, value);
      }
      case 0x64 -> {
        writeIrqAck(offset - 0x64L, size, value);
      }
      case 0x68 -> {
        writeCounters(offset - 0x68L, size, value);
      }
      case 0x70, 0x72 -> {
        writeCommand(offset - 0x70L, size, value);
      }
      case 0x80 -> {
        writeDmaSource(offset - 0x80L, size, value);
      }
      case 0x88, 0x8c -> {
        writeDmaDestination(offset - 0x88L, size, value);
      }
      default -> { }
    }
    if (offset >= 0x100L && offset < 0x11cL) {
      long rel = offset - 0x100L;
      int index = (int) (rel / 0x8L);
      long at = rel - index * 0x8L;
      if (at < 4) {
        writeDoorbell(index, at, size, value);
        return;
      }
    }
  }

  private long readIdentification(long at, int size) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = (device.identification & 0xffffffffL);
    long seen = stored;
    return (IDENTIFICATION.visible(seen) & lane) >>> (at << 3);
  }

  private void writeIdentification(long at, int size, long value) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.identification & 0xffffffffL);
    long next = IDENTIFICATION.write(old, value << (at << 3), lane);
    device.identification = (int) next;
  }

  private long readLiveness(long at, int size) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = (device.liveness & 0xffffffffL);
    long seen = stored;
    return (LIVENESS.visible(seen) & lane) >>> (at << 3);
  }

  private void writeLiveness(long at, int size, long value) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.liveness & 0xffffffffL);
    long next = LIVENESS.write(old, value << (at << 3), lane);
    next = (device.invert((int) next) & 0xffffffffL);
    device.liveness = (int) next;
  }

  private long readFactorial(long at, int size) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = (device.factorial & 0xffffffffL);
    long seen = stored;
    return (FACTORIAL.visible(seen) & lane) >>> (at << 3);
  }

  private void writeFactorial(long at, int size, long value) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.factorial & 0xffffffffL);
    long next = FACTORIAL.write(old, value << (at << 3), lane);
    device.factorial = (int) next;
    device.compute((int) old, (int) next);
  }

  private long readScratch(long at, int size) {
    if ((7 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = (device.scratch & 0xffffffffL);
    long seen = stored;
    return (SCRATCH.visible(seen) & lane) >>> (at << 3);
  }

  private void writeScratch(long at, int size, long value) {
    if ((7 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.scratch & 0xffffffffL);
    long next = SCRATCH.write(old, value << (at << 3), lane);
    device.scratch = (int) next;
  }

  private long readStatus(long at, int size) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = (device.status & 0xffffffffL);
    long seen = stored;
    if ((lane & 0x1L) != 0) {
      seen = (seen & ~0x1L) | ((device.computing((int) (seen & 0x1L)) & 0xffffffffL) & 0x1L);
    }
    return (STATUS.visible(seen) & lane) >>> (at << 3);
  }

  private void writeStatus(long at, int size, long value) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.status & 0xffffffffL);
    long next = STATUS.write(old, value << (at << 3), lane);
    device.status = (int) next;
    if ((lane & 0x80L) != 0) {
      device.irqOnDone((int) ((next & 0x80L) >>> 7));
    }
  }

  private long readIrqStatus(long at, int size) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    device.refreshIrqStatus();
    long stored = (device.irqStatus & 0xffffffffL);
    long seen = stored;
    return (IRQ_STATUS.visible(seen) & lane) >>> (at << 3);
  }

  private void writeIrqStatus(long at, int size, long value) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.irqStatus & 0xffffffffL);
    long next = IRQ_STATUS.write(old, value << (at << 3), lane);
    device.irqStatus = (int) next;
  }

  private long readIrqRaise(long at, int size) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = (device.irqRaise & 0xffffffffL);
    long seen = stored;
    return (IRQ_RAISE.visible(seen) & lane) >>> (at << 3);
  }

  private void writeIrqRaise(long at, int size, long value) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.irqRaise & 0xffffffffL);
    long next = IRQ_RAISE.write(old, value << (at << 3), lane);
    device.irqRaise = (int) next;
    device.raise((int) next);
  }

  private long readIrqAck(long at, int size) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = (device.irqAck & 0xffffffffL);
    long seen = stored;
    return (IRQ_ACK.visible(seen) & lane) >>> (at << 3);
  }

  private void writeIrqAck(long at, int size, long value) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.irqAck & 0xffffffffL);
    long next = IRQ_ACK.write(old, value << (at << 3), lane);
    device.irqAck = (int) next;
    device.ack((int) old, (int) next);
  }

  private long readCounters(long at, int size) {
    if ((8 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = device.counters;
    long seen = stored;
    device.counters = COUNTERS.afterRead(stored, lane);
    return (COUNTERS.visible(seen) & lane) >>> (at << 3);
  }

  private void writeCounters(long at, int size, long value) {
    if ((8 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = device.counters;
    long next = COUNTERS.write(old, value << (at << 3), lane);
    device.counters = next;
  }

  private long readCommand(long at, int size) {
    // reads are not decoded (readsAllOnes)
    return RegisterPolicy.allOnes(size);
  }

  private void writeCommand(long at, int size, long value) {
    if ((6 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.command & 0xffffffffL);
    long next = COMMAND.write(old, value << (at << 3), lane);
    device.command = (int) next;
    device.command((int) next);
  }

  private long readDmaSource(long at, int size) {
    if ((12 & size) == 0 || at != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = 0xffffffffffffffffL;
    long stored = device.dmaSource;
    long seen = stored;
    return DMA_SOURCE.visible(seen) & RegisterPolicy.allOnes(size);
  }

  private void writeDmaSource(long at, int size, long value) {
    if ((12 & size) == 0 || at != 0) {
      return;
    }
    long lane = 0xffffffffffffffffL;
    long old = device.dmaSource;
    long next = DMA_SOURCE.write(old, value & RegisterPolicy.allOnes(size), lane);
    device.dmaSource = next;
    device.source(old, next);
  }

  private long readDmaDestination(long at, int size) {
    if ((12 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = device.dmaDestination;
    long seen = stored;
    return (DMA_DESTINATION.visible(seen) & lane) >>> (at << 3);
  }

  private void writeDmaDestination(long at, int size, long value) {
    if ((12 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = device.dmaDestination;
    long next = DMA_DESTINATION.write(old, value << (at << 3), lane);
    device.dmaDestination = next;
  }

  private long readDoorbell(int index, long at, int size) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return RegisterPolicy.allOnes(size);
    }
    long lane = RegisterPolicy.lane(at, size);
    long stored = (device.doorbell[index] & 0xffffffffL);
    long seen = stored;
    return (DOORBELL.visible(seen) & lane) >>> (at << 3);
  }

  private void writeDoorbell(int index, long at, int size, long value) {
    if ((4 & size) == 0 || (at & (size - 1)) != 0) {
      return;
    }
    long lane = RegisterPolicy.lane(at, size);
    long old = (device.doorbell[index] & 0xffffffffL);
    long next = DOORBELL.write(old, value << (at << 3), lane);
    device.doorbell[index] = (int) next;
    device.ring(index, (int) next);
  }

  @Override
  public void reset(ResetReason reason) {
    restoreResetValues();
    device.resetHook(reason);
  }

  private void restoreResetValues() {
    device.identification = (int) 0x10000edL;
    device.liveness = (int) 0x0L;
    device.factorial = (int) 0x0L;
    device.scratch = (int) 0x0L;
    device.status = (int) 0x0L;
    device.irqStatus = (int) 0x0L;
    device.irqRaise = (int) 0x0L;
    device.irqAck = (int) 0x0L;
    device.counters = 0xff0000000000L;
    device.command = (int) 0x0L;
    device.dmaSource = 0x0L;
    device.dmaDestination = 0x0L;
    if (device.doorbell == null || device.doorbell.length != 4) {
      device.doorbell = new int[4];
    }
    Arrays.fill(device.doorbell, (int) 0x0L);
  }

  @Override
  public void saveState(DataOutput out) throws IOException {
    out.writeLong(LAYOUT_HASH);
    out.writeInt(device.identification);
    out.writeInt(device.liveness);
    out.writeInt(device.factorial);
    out.writeInt(device.scratch);
    out.writeInt(device.status);
    out.writeInt(device.irqStatus);
    out.writeInt(device.irqRaise);
    out.writeInt(device.irqAck);
    out.writeLong(device.counters);
    out.writeInt(device.command);
    out.writeLong(device.dmaSource);
    out.writeLong(device.dmaDestination);
    for (int i = 0; i < 4; i++) {
      out.writeInt(device.doorbell[i]);
    }
  }

  @Override
  public void loadState(DataInput in) throws IOException {
    long layout = in.readLong();
    if (layout != LAYOUT_HASH) {
      throw new IOException("saved state has register layout 0x" + Long.toHexString(layout) + ", this device has 0x" + Long.toHexString(LAYOUT_HASH));
    }
    int vIdentification = in.readInt();
    int vLiveness = in.readInt();
    int vFactorial = in.readInt();
    int vScratch = in.readInt();
    int vStatus = in.readInt();
    int vIrqStatus = in.readInt();
    int vIrqRaise = in.readInt();
    int vIrqAck = in.readInt();
    long vCounters = in.readLong();
    int vCommand = in.readInt();
    long vDmaSource = in.readLong();
    long vDmaDestination = in.readLong();
    int[] vDoorbell = new int[4];
    for (int i = 0; i < 4; i++) {
      vDoorbell[i] = in.readInt();
    }
    device.identification = vIdentification;
    device.liveness = vLiveness;
    device.factorial = vFactorial;
    device.scratch = vScratch;
    device.status = vStatus;
    device.irqStatus = vIrqStatus;
    device.irqRaise = vIrqRaise;
    device.irqAck = vIrqAck;
    device.counters = vCounters;
    device.command = vCommand;
    device.dmaSource = vDmaSource;
    device.dmaDestination = vDmaDestination;
    System.arraycopy(vDoorbell, 0, device.doorbell, 0, 4);
  }

  @Override
  public Edu device() {
    return device;
  }
}

package io.vfu4j.runtime.server;

import io.vfu4j.api.Bar;
import io.vfu4j.api.DeviceContext;
import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.ConfigSpaceTemplate;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import io.vfu4j.runtime.spi.DeviceLayout;
import io.vfu4j.runtime.spi.DeviceModel;
import io.vfu4j.runtime.spi.MemoryRange;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A hand-written device for the server tests. BAR0 (4 KiB) holds registers:
 * 0x00 ID (RO), 0x04 scratch, 0x08 a 64-bit register, 0x10 DMA address (64-bit), 0x18 DMA
 * length, 0x1c DMA go (reads guest memory at the address, writes it back incremented by one per
 * byte right after it; at most {@link #MAX_DMA} bytes), 0x20 append-only log, 0x24 log length, 0x28 DMA status (1 done, 2 failed),
 * 0x2c interrupt line (write 1 raises vector 0, 0 lowers it).
 * BAR2 (8 KiB): plain memory at 0x0 (256 bytes) and an mmap range at 0x1000 (4 KiB).
 */
final class TestDevice implements DeviceModel {
  static final int ID = 0x1234_5678;
  static final int VENDOR = 0x1af4, DEVICE = 0x10f0;
  /** Longest DMA the go register starts; longer ones fail at once (status 2). */
  static final int MAX_DMA = 1 << 20;

  final DeviceContext ctx;
  final List<Long> log = new CopyOnWriteArrayList<>();
  final List<ResetReason> resets = new CopyOnWriteArrayList<>();
  final List<MemorySegment> memory;
  int scratch;
  long wide;
  long dmaAddress;
  int dmaLength;
  volatile int dmaStatus;
  volatile Throwable dmaError;

  TestDevice(DeviceContext ctx, List<MemorySegment> memory) {
    this.ctx = ctx;
    this.memory = memory;
  }

  @Override
  public long read(int bar, long offset, int size) {
    if (bar != 0) {
      return mask(-1, size);
    }
    if (size == 8) {
      return offset == 0x08 ? wide : offset == 0x10 ? dmaAddress : -1;
    }
    long v = switch ((int) offset & ~3) {
      case 0x00 -> ID;
      case 0x04 -> scratch;
      case 0x08 -> wide;
      case 0x0c -> wide >>> 32;
      case 0x10 -> dmaAddress;
      case 0x18 -> dmaLength;
      case 0x24 -> log.size();
      case 0x28 -> dmaStatus;
      default -> 0xffff_ffffL;
    };
    return mask(v >>> (8 * (offset & 3)), size);
  }

  private static long mask(long v, int size) {
    return size == 8 ? v : v & ((1L << (8 * size)) - 1);
  }

  @Override
  public void write(int bar, long offset, int size, long value) {
    if (bar != 0) {
      return;
    }
    switch ((int) offset) {
      case 0x04 -> scratch = (int) value;
      case 0x08 -> wide = size == 8 ? value : (wide & ~0xffff_ffffL) | (value & 0xffff_ffffL);
      case 0x10 -> dmaAddress = value;
      case 0x18 -> dmaLength = (int) value;
      case 0x1c -> startDma();
      case 0x20 -> log.add(value);
      case 0x2c -> {
        if (value != 0) {
          ctx.interrupts().raise(0);
        } else {
          ctx.interrupts().lower(0);
        }
      }
      default -> { }
    }
  }

  /** Reads guest memory, adds one to every byte, writes it right after: by mmap or by message. */
  private void startDma() {
    if (dmaLength < 0 || dmaLength > MAX_DMA) {
      // a zero-filled buffer of a client-chosen 2 GiB takes the device thread seconds (fuzzer finding)
      dmaStatus = 2;
      return;
    }
    dmaStatus = 0;
    MemorySegment buf = Arena.ofAuto().allocate(dmaLength);
    long at = dmaAddress;
    int n = dmaLength;
    ctx.dma().readAsync(at, buf).thenCompose(v -> {
      for (int i = 0; i < n; i++) {
        buf.set(ValueLayout.JAVA_BYTE, i, (byte) (buf.get(ValueLayout.JAVA_BYTE, i) + 1));
      }
      return ctx.dma().writeAsync(at + n, buf);
    }).whenComplete((v, e) -> {
      dmaError = e;
      dmaStatus = e == null ? 1 : 2;
    });
  }

  @Override
  public void reset(ResetReason reason) {
    scratch = 0;
    wide = 0;
    resets.add(reason);
  }

  @Override
  public void saveState(DataOutput out) throws IOException {
    out.writeInt(scratch);
    out.writeLong(wide);
  }

  @Override
  public void loadState(DataInput in) throws IOException {
    scratch = in.readInt();
    wide = in.readLong();
  }

  @Override
  public Object device() {
    return this;
  }

  /** The descriptor; remembers the last instance for assertions. */
  static final class Descriptor implements DeviceDescriptor {
    volatile TestDevice last;

    @Override
    public String name() {
      return "test";
    }

    @Override
    public String deviceClassName() {
      return TestDevice.class.getName();
    }

    @Override
    public DeviceLayout layout() {
      return new DeviceLayout(
          List.of(new BarLayout(0, 4096, Bar.Type.MEMORY32, false), new BarLayout(2, 8192, Bar.Type.MEMORY32, false)),
          List.of(new MemoryRange(2, 0, 256, false, false), new MemoryRange(2, 0x1000, 0x1000, true, false)),
          config());
    }

    @Override
    public DeviceModel create(DeviceContext context, List<MemorySegment> memory) {
      TestDevice d = new TestDevice(context, memory);
      last = d;
      return d;
    }
  }

  /** A type-0 header by hand: IDs, Command bits IO/MEM/MASTER/INTx-disable writable, two BARs, INTA. */
  static ConfigSpaceTemplate config() {
    byte[] image = new byte[256];
    byte[] wm = new byte[256];
    byte[] w1c = new byte[256];
    put(image, 0x00, VENDOR, 2);
    put(image, 0x02, DEVICE, 2);
    put(image, 0x08, 0xff000001, 4); // class ff, revision 1
    put(wm, 0x04, 0x0407, 2);
    put(w1c, 0x06, 0xf900, 2);
    put(wm, 0x10, 0xfffff000, 4);
    put(wm, 0x18, 0xffffe000, 4);
    put(wm, 0x3c, 0xff, 1);
    put(image, 0x3d, 1, 1);
    return new ConfigSpaceTemplate(image, wm, w1c, List.of());
  }

  private static void put(byte[] b, int at, long v, int size) {
    for (int i = 0; i < size; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }
}

package io.vfu4j.runtime.server;

import io.vfu4j.api.DeviceContext;
import io.vfu4j.api.Iommu;
import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.pci.ConfigSpaceBuilder;
import io.vfu4j.runtime.pci.IommuEnables;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import io.vfu4j.runtime.spi.DeviceLayout;
import io.vfu4j.runtime.spi.DeviceModel;
import java.io.DataInput;
import java.io.DataOutput;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A hand-written device whose config space comes from {@link ConfigSpaceBuilder}, for the PCI
 * tests through the socket. BAR0 registers: 0x00 write N raises vector N, 0x04 write N lowers
 * vector N, 0x08 scratch (reset value {@link #SCRATCH_RESET}). It records every reset reason and
 * every IOMMU state it is told about.
 */
final class PciTestDevice implements DeviceModel {
  static final int RAISE = 0x00, LOWER = 0x04, SCRATCH = 0x08;
  static final int SCRATCH_RESET = 0x5a5a_0001;

  final DeviceContext ctx;
  final List<ResetReason> resets = new CopyOnWriteArrayList<>();
  final List<IommuEnables> iommuSeen = new CopyOnWriteArrayList<>();
  volatile int scratch = SCRATCH_RESET;

  PciTestDevice(DeviceContext ctx) {
    this.ctx = ctx;
    ctx.iommu().addListener(PciTestDevice.this::iommuChanged);
  }

  private void iommuChanged(Iommu i) {
    iommuSeen.add(new IommuEnables(i.atsEnabled(), i.stu(), i.priEnabled(), i.priAllocation(),
        i.pasidEnabled(), i.pasidExecute(), i.pasidPrivileged()));
  }

  @Override
  public long read(int bar, long offset, int size) {
    if (bar == 0 && offset == SCRATCH && size == 4) {
      return Integer.toUnsignedLong(scratch);
    }
    return size == 8 ? -1 : (1L << (8 * size)) - 1;
  }

  @Override
  public void write(int bar, long offset, int size, long value) {
    if (bar != 0 || size != 4) {
      return;
    }
    switch ((int) offset) {
      case RAISE -> ctx.interrupts().raise((int) value);
      case LOWER -> ctx.interrupts().lower((int) value);
      case SCRATCH -> scratch = (int) value;
      default -> { }
    }
  }

  @Override
  public void reset(ResetReason reason) {
    scratch = SCRATCH_RESET;
    resets.add(reason);
  }

  @Override
  public void saveState(DataOutput out) {}

  @Override
  public void loadState(DataInput in) {}

  @Override
  public Object device() {
    return this;
  }

  /** Describes the device with the layout of {@code builder}; remembers the instance. */
  static final class Descriptor implements DeviceDescriptor {
    private final DeviceLayout layout;
    volatile PciTestDevice last;

    Descriptor(ConfigSpaceBuilder builder) {
      this(builder, List.of());
    }

    /** With {@code memory} ranges (served by the runtime, e.g. mmap-able BAR memory). */
    Descriptor(ConfigSpaceBuilder builder, List<io.vfu4j.runtime.spi.MemoryRange> memory) {
      this.layout = builder.layout(memory);
    }

    @Override
    public String name() {
      return "pci-test";
    }

    @Override
    public String deviceClassName() {
      return PciTestDevice.class.getName();
    }

    @Override
    public DeviceLayout layout() {
      return layout;
    }

    @Override
    public DeviceModel create(DeviceContext context, List<MemorySegment> memory) {
      PciTestDevice d = new PciTestDevice(context);
      last = d;
      return d;
    }
  }
}

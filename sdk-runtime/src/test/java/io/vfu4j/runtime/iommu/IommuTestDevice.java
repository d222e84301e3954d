package io.vfu4j.runtime.iommu;

import io.vfu4j.api.Bar;
import io.vfu4j.api.DeviceContext;
import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.pci.ConfigSpaceBuilder;
import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.CapabilityLocation;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import io.vfu4j.runtime.spi.DeviceLayout;
import io.vfu4j.runtime.spi.DeviceModel;
import java.io.DataInput;
import java.io.DataOutput;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A hand-written PCIe function with ATS (Invalidate Queue Depth 2, Global Invalidate), PRI
 * (capacity 8 pages) and PASID (width 8, execute, privileged). Registers do nothing: tests drive
 * DMA through its {@link DeviceContext} directly, from their own thread (the runtime moves the work
 * to the device thread).
 */
final class IommuTestDevice implements DeviceModel {
  static final int QUEUE_DEPTH = 2, PRI_CAPACITY = 8, PASID_WIDTH = 8;

  final DeviceContext ctx;

  IommuTestDevice(DeviceContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public long read(int bar, long offset, int size) {
    return 0;
  }

  @Override
  public void write(int bar, long offset, int size, long value) {}

  /** What happened on the device thread, in order (resets and test-registered callbacks). */
  final List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public void reset(ResetReason reason) {
    events.add("reset " + reason);
  }

  @Override
  public void saveState(DataOutput out) {}

  @Override
  public void loadState(DataInput in) {}

  @Override
  public Object device() {
    return this;
  }

  static final class Descriptor implements DeviceDescriptor {
    volatile IommuTestDevice last;
    final DeviceLayout layout = ConfigSpaceBuilder.express(0x1af4, 0x10f1)
        .bar(new BarLayout(0, 4096, Bar.Type.MEMORY32, false))
        .pciExpress(0, 128, true, false, 0, false, false, false, 1, 1)
        .ats(QUEUE_DEPTH, false, true)
        .pri(PRI_CAPACITY, false)
        .pasid(PASID_WIDTH, true, true)
        .layout(List.of());

    @Override
    public String name() {
      return "iommu-test";
    }

    @Override
    public String deviceClassName() {
      return IommuTestDevice.class.getName();
    }

    @Override
    public DeviceLayout layout() {
      return layout;
    }

    @Override
    public DeviceModel create(DeviceContext context, List<MemorySegment> memory) {
      IommuTestDevice d = new IommuTestDevice(context);
      last = d;
      return d;
    }

    int offset(int capabilityId) {
      return layout.config().find(capabilityId, true).offset();
    }

    int ats() {
      return offset(CapabilityLocation.ATS);
    }

    int pri() {
      return offset(CapabilityLocation.PRI);
    }

    int pasid() {
      return offset(CapabilityLocation.PASID);
    }
  }
}

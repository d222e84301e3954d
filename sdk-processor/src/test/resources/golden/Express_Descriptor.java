package test;

import io.vfu4j.api.Bar;
import io.vfu4j.api.DeviceContext;
import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import io.vfu4j.runtime.spi.DeviceLayout;
import io.vfu4j.runtime.spi.DeviceModel;
import io.vfu4j.runtime.spi.MemoryRange;
import java.lang.foreign.MemorySegment;
import java.util.List;
import javax.annotation.processing.Generated;

/**
 * Runtime entry point of {@link Express}.
 */
@Generated("io.vfu4j.processor.PciDeviceProcessor")
public final class Express_Descriptor implements DeviceDescriptor {
  public Express_Descriptor() {
  }

  @Override
  public String name() {
    return "Express";
  }

  @Override
  public String deviceClassName() {
    return "test.Express";
  }

  @Override
  public DeviceLayout layout() {
    return Layout.VALUE;
  }

  @Override
  public DeviceModel create(DeviceContext context, List<MemorySegment> memory) {
    Express device = new Express();
    device.ram = memory.get(0);
    return new Express_Registers(device);
  }

  private static final class Layout {
    static final DeviceLayout VALUE = new DeviceLayout(
        List.of(new BarLayout(0, 0x4000L, Bar.Type.MEMORY64, false), new BarLayout(2, 0x10000L, Bar.Type.MEMORY64, true), new BarLayout(4, 0x100L, Bar.Type.IO, false)),
        List.of(new MemoryRange(2, 0x0L, 0x10000L, true, false)),
        Express_ConfigSpace.TEMPLATE);
  }
}

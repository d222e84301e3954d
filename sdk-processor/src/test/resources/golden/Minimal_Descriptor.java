package test;

import io.vfu4j.api.Bar;
import io.vfu4j.api.DeviceContext;
import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import io.vfu4j.runtime.spi.DeviceLayout;
import io.vfu4j.runtime.spi.DeviceModel;
import java.lang.foreign.MemorySegment;
import java.util.List;
import javax.annotation.processing.Generated;

/**
 * Runtime entry point of {@link Minimal}.
 */
@Generated("io.vfu4j.processor.PciDeviceProcessor")
public final class Minimal_Descriptor implements DeviceDescriptor {
  public Minimal_Descriptor() {
  }

  @Override
  public String name() {
    return "Minimal";
  }

  @Override
  public String deviceClassName() {
    return "test.Minimal";
  }

  @Override
  public DeviceLayout layout() {
    return Layout.VALUE;
  }

  @Override
  public DeviceModel create(DeviceContext context, List<MemorySegment> memory) {
    Minimal device = new Minimal();
    return new Minimal_Registers(device);
  }

  private static final class Layout {
    static final DeviceLayout VALUE = new DeviceLayout(
        List.of(new BarLayout(0, 0x1000L, Bar.Type.MEMORY32, false)),
        List.of(),
        Minimal_ConfigSpace.TEMPLATE);
  }
}

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
 * Runtime entry point of {@link Edu}.
 */
@Generated("io.vfu4j.processor.PciDeviceProcessor")
public final class Edu_Descriptor implements DeviceDescriptor {
  public Edu_Descriptor() {
  }

  @Override
  public String name() {
    return "edu";
  }

  @Override
  public String deviceClassName() {
    return "test.Edu";
  }

  @Override
  public DeviceLayout layout() {
    return Layout.VALUE;
  }

  @Override
  public DeviceModel create(DeviceContext context, List<MemorySegment> memory) {
    Edu device = new Edu(context);
    return new Edu_Registers(device);
  }

  private static final class Layout {
    static final DeviceLayout VALUE = new DeviceLayout(
        List.of(new BarLayout(0, 0x100000L, Bar.Type.MEMORY32, false)),
        List.of(),
        Edu_ConfigSpace.TEMPLATE);
  }
}

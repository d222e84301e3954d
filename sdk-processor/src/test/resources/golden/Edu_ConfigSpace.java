package test;

import io.vfu4j.api.Bar;
import io.vfu4j.runtime.pci.ConfigSpaceBuilder;
import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.ConfigSpaceTemplate;
import javax.annotation.processing.Generated;

/**
 * Config space of {@link Edu}, from its annotations.
 */
@Generated("io.vfu4j.processor.PciDeviceProcessor")
public final class Edu_ConfigSpace {
  /**
   * Reset image, write masks and capability chain.
   */
  public static final ConfigSpaceTemplate TEMPLATE = ConfigSpaceBuilder.pci(0x1234, 0x11e8)
    .subsystem(0x1234, 0x11e8)
    .classCode(0x00ff00)
    .revision(0x10)
    .interruptPin(1)
    .bar(new BarLayout(0, 0x100000L, Bar.Type.MEMORY32, false))
    .msi(1, true, false)
    .build();

  private Edu_ConfigSpace() {
  }
}

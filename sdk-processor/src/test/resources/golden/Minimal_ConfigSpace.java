package test;

import io.vfu4j.api.Bar;
import io.vfu4j.runtime.pci.ConfigSpaceBuilder;
import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.ConfigSpaceTemplate;
import javax.annotation.processing.Generated;

/**
 * Config space of {@link Minimal}, from its annotations.
 */
@Generated("io.vfu4j.processor.PciDeviceProcessor")
public final class Minimal_ConfigSpace {
  /**
   * Reset image, write masks and capability chain.
   */
  public static final ConfigSpaceTemplate TEMPLATE = ConfigSpaceBuilder.pci(0x1af4, 0x10f0)
    .subsystem(0x1af4, 0x10f0)
    .classCode(0xff0000)
    .revision(0x0)
    .interruptPin(0)
    .bar(new BarLayout(0, 0x1000L, Bar.Type.MEMORY32, false))
    .build();

  private Minimal_ConfigSpace() {
  }
}

package test;

import io.vfu4j.api.Bar;
import io.vfu4j.runtime.pci.ConfigSpaceBuilder;
import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.ConfigSpaceTemplate;
import javax.annotation.processing.Generated;

/**
 * Config space of {@link Express}, from its annotations.
 */
@Generated("io.vfu4j.processor.PciDeviceProcessor")
public final class Express_ConfigSpace {
  /**
   * Reset image, write masks and capability chain.
   */
  public static final ConfigSpaceTemplate TEMPLATE = ConfigSpaceBuilder.express(0x1b36, 0x0123)
    .subsystem(0x1af4, 0x1100)
    .classCode(0x088000)
    .revision(0x2)
    .interruptPin(0)
    .bar(new BarLayout(0, 0x4000L, Bar.Type.MEMORY64, false))
    .bar(new BarLayout(2, 0x10000L, Bar.Type.MEMORY64, true))
    .bar(new BarLayout(4, 0x100L, Bar.Type.IO, false))
    .powerManagement(true, false, true, 0x19)
    .msi(4, true, true)
    .msix(16, 0, 0x2000L, 0, 0x3000L)
    .pciExpress(0, 512, true, true, 15, false, true, false, 3, 4)
    .vendor(new byte[] {0x1, 0x2, (byte) 0xfe})
    .aer(0x462030, true, false)
    .serialNumber(0x11223344556677L)
    .ats(8, true, true)
    .pri(64, false)
    .pasid(16, true, true)
    .build();

  private Express_ConfigSpace() {
  }
}

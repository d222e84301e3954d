package io.vfu4j.runtime.server;

import io.vfu4j.runtime.irq.InterruptState;
import io.vfu4j.runtime.irq.IrqCounts;
import io.vfu4j.runtime.pci.ConfigSpace;
import io.vfu4j.runtime.pci.MsixTable;
import io.vfu4j.runtime.spi.CapabilityLocation;
import io.vfu4j.runtime.spi.ConfigSpaceTemplate;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The interrupt controller's view of the config space: enables, masks, Interrupt Status. */
final class ConfigInterruptState implements InterruptState {
  private final ConfigSpace config;
  private final CapabilityLocation msi;

  ConfigInterruptState(ConfigSpace config) {
    this.config = config;
    this.msi = config.template().find(CapabilityLocation.MSI, false);
  }

  /** Vector counts from the template: INTx if a pin is set, MSI and MSI-X from their capabilities. */
  static IrqCounts counts(ConfigSpaceTemplate t) {
    byte[] image = t.image();
    int intx = (image[0x3d] & 0xff) != 0 ? 1 : 0;
    CapabilityLocation msiCap = t.find(CapabilityLocation.MSI, false);
    int msiVectors = msiCap == null ? 0 : 1 << ((image[msiCap.offset() + 2] >> 1) & 7);
    CapabilityLocation msix = t.find(CapabilityLocation.MSIX, false);
    int msixVectors = msix == null ? 0
        : ((image[msix.offset() + 2] & 0xff) | (image[msix.offset() + 3] & 0x07) << 8) + 1;
    return IrqCounts.of(intx, Math.min(msiVectors, 32), msixVectors);
  }

  @Override
  public boolean intxDisabled() {
    return config.intxDisabled();
  }

  @Override
  public boolean msiEnabled() {
    return config.msiEnabled();
  }

  @Override
  public boolean msixEnabled() {
    return config.msixEnabled();
  }

  @Override
  public int msiEnabledVectors() {
    if (msi == null) {
      return 0;
    }
    ByteBuffer control = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
    config.read(msi.offset() + 2, control);
    return 1 << ((control.getShort(0) >> 4) & 7);
  }

  @Override
  public boolean msiVectorMasked(int vector) {
    return config.msiVectorMasked(vector);
  }

  @Override
  public void setMsiPending(int vector, boolean pending) {
    config.setMsiPending(vector, pending);
  }

  /**
   * The server's table entry mask counts only once the client programmed the table: QEMU emulates
   * the table itself and never writes ours, whose entries stay masked from reset.
   */
  @Override
  public boolean msixVectorMasked(int vector) {
    MsixTable table = config.msixTable();
    return table != null && table.programmedByClient() && vector < table.vectors() && table.vectorMaskBit(vector);
  }

  @Override
  public void setMsixPending(int vector, boolean pending) {
    MsixTable table = config.msixTable();
    if (table != null && vector < table.vectors()) {
      table.setPending(vector, pending);
    }
  }

  @Override
  public boolean msixFunctionMasked() {
    return config.msixFunctionMasked();
  }

  @Override
  public void setInterruptStatus(boolean level) {
    config.setInterruptStatus(level);
  }
}

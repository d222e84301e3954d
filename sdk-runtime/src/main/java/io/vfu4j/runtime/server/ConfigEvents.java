package io.vfu4j.runtime.server;

import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.irq.IrqController;
import io.vfu4j.runtime.pci.ConfigSpace;
import io.vfu4j.runtime.pci.IommuEnables;

/**
 * Routes config-space events on the device thread. Interrupt consequences happen at once (they
 * only signal eventfds and set Status bit 3). A reset request and IOMMU changes are held until
 * the write is complete, so the reset never re-enters the config space in the middle of a
 * write: {@link DeviceHost#afterConfigWrite()} takes them before the reply is sent.
 */
final class ConfigEvents implements ConfigSpace.Listener {
  private final IrqController irq;
  private ResetReason pendingReset;
  private IommuEnables pendingIommu;

  ConfigEvents(IrqController irq) {
    this.irq = irq;
  }

  @Override
  public void commandChanged(int oldCommand, int newCommand) {
    if (((oldCommand ^ newCommand) & ConfigSpace.CMD_INTX_DISABLE) != 0) {
      irq.intxDisableChanged(); // re-triggers when cleared with the level up
    }
  }

  @Override
  public void msiChanged(boolean enabled) {
    irq.intxDisableChanged(); // INTx may fire again once MSI is off
  }

  @Override
  public void msiVectorUnmasked(int vector) {
    irq.msiUnmasked(vector);
  }

  @Override
  public void msixChanged(boolean enabled, boolean functionMasked) {
    if (enabled && !functionMasked) {
      irq.msixFunctionUnmasked();
    }
    irq.intxDisableChanged();
  }

  @Override
  public void resetRequested(ResetReason reason) {
    pendingReset = reason;
  }

  @Override
  public void iommuEnablesChanged(IommuEnables enables) {
    pendingIommu = enables;
  }

  /** The reset a finished write asked for, or null; forgets it. */
  ResetReason takeReset() {
    ResetReason r = pendingReset;
    pendingReset = null;
    return r;
  }

  /** The IOMMU enables that changed since the last call, or null; forgets them. */
  IommuEnables takeIommuChange() {
    IommuEnables e = pendingIommu;
    pendingIommu = null;
    return e;
  }
}

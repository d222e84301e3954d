package io.vfu4j.runtime.pci;

import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.ConfigSpaceTemplate;

/**
 * Lays out a config space: the type-0 header, then standard capabilities from 0x40 and extended
 * ones from 0x100 in a fixed order (PM, MSI, MSI-X, PCIe, vendor; AER, DSN, ATS, PRI, PASID), so
 * offsets are stable whatever order the calls come in. Generated {@code <Device>_ConfigSpace}
 * classes call it once; hand-written test devices use it too.
 *
 * <p>Every method records its arguments; {@link #build()} validates and lays out.
 */
public final class ConfigSpaceBuilder {
  // Recorded description; laid out by build().
  final boolean express;
  final int vendorId;
  final int deviceId;
  int subsystemVendorId;
  int subsystemId;
  int classCode = 0xff0000;
  int revision;
  int interruptPin;
  final java.util.List<BarLayout> bars = new java.util.ArrayList<>();

  private ConfigSpaceBuilder(boolean express, int vendorId, int deviceId) {
    this.express = express;
    this.vendorId = vendorId;
    this.deviceId = deviceId;
    this.subsystemVendorId = vendorId;
    this.subsystemId = deviceId;
  }

  /** A conventional PCI function: 256 bytes. */
  public static ConfigSpaceBuilder pci(int vendorId, int deviceId) {
    return new ConfigSpaceBuilder(false, vendorId, deviceId);
  }

  /** A PCI Express function: 4096 bytes; needs {@link #pciExpress}. */
  public static ConfigSpaceBuilder express(int vendorId, int deviceId) {
    return new ConfigSpaceBuilder(true, vendorId, deviceId);
  }

  public ConfigSpaceBuilder subsystem(int subsystemVendorId, int subsystemId) {
    this.subsystemVendorId = subsystemVendorId;
    this.subsystemId = subsystemId;
    return this;
  }

  public ConfigSpaceBuilder classCode(int classCode) {
    this.classCode = classCode;
    return this;
  }

  public ConfigSpaceBuilder revision(int revision) {
    this.revision = revision;
    return this;
  }

  /** 0 = none, 1..4 = INTA..INTD. */
  public ConfigSpaceBuilder interruptPin(int pin) {
    this.interruptPin = pin;
    return this;
  }

  /** Fixes the BAR's type bits; address bits start at 0. */
  public ConfigSpaceBuilder bar(BarLayout bar) {
    bars.add(bar);
    return this;
  }

  public ConfigSpaceBuilder powerManagement(boolean d1, boolean d2, boolean noSoftReset, int pmeSupport) {
    throw new UnsupportedOperationException("TODO(issue 4)");
  }

  public ConfigSpaceBuilder msi(int vectors, boolean address64, boolean perVectorMask) {
    throw new UnsupportedOperationException("TODO(issue 4)");
  }

  public ConfigSpaceBuilder msix(int vectors, int tableBar, long tableOffset, int pbaBar, long pbaOffset) {
    throw new UnsupportedOperationException("TODO(issue 4)");
  }

  /** {@code deviceType} is the Device/Port Type code (0 endpoint, 1 legacy, 9 RCiEP). */
  public ConfigSpaceBuilder pciExpress(int deviceType, int maxPayload, boolean flr, boolean extendedTag,
      int completionTimeoutRanges, boolean completionTimeoutDisable, boolean tag10BitCompleter,
      boolean tag10BitRequester, int linkSpeed, int linkWidth) {
    throw new UnsupportedOperationException("TODO(issue 4)");
  }

  /** A vendor-specific capability with {@code data} after its 3-byte header. Repeatable. */
  public ConfigSpaceBuilder vendor(byte[] data) {
    throw new UnsupportedOperationException("TODO(issue 4)");
  }

  public ConfigSpaceBuilder aer(int uncorrectableSeverity, boolean ecrcGeneration, boolean ecrcCheck) {
    throw new UnsupportedOperationException("TODO(issue 4)");
  }

  public ConfigSpaceBuilder serialNumber(long serialNumber) {
    throw new UnsupportedOperationException("TODO(issue 4)");
  }

  public ConfigSpaceBuilder ats(int invalidateQueueDepth, boolean pageAlignedRequest, boolean globalInvalidate) {
    throw new UnsupportedOperationException("TODO(issue 4)");
  }

  public ConfigSpaceBuilder pri(int outstandingCapacity, boolean pasidRequired) {
    throw new UnsupportedOperationException("TODO(issue 4)");
  }

  public ConfigSpaceBuilder pasid(int width, boolean execute, boolean privileged) {
    throw new UnsupportedOperationException("TODO(issue 4)");
  }

  /** Lays out the header and capabilities. */
  public ConfigSpaceTemplate build() {
    throw new UnsupportedOperationException("TODO(issue 4)");
  }
}

package io.vfu4j.runtime.pci;

import static io.vfu4j.runtime.pci.PciRegs.*;

import io.vfu4j.api.Bar;
import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.CapabilityLocation;
import io.vfu4j.runtime.spi.ConfigSpaceTemplate;
import io.vfu4j.runtime.spi.DeviceLayout;
import io.vfu4j.runtime.spi.MemoryRange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Lays out a config space: the type-0 header, then standard capabilities from 0x40 and extended
 * ones from 0x100 in a fixed order (PM, MSI, MSI-X, PCIe, vendor; AER, DSN, ATS, PRI, PASID), so
 * offsets are stable whatever order the calls come in. Generated {@code <Device>_ConfigSpace}
 * classes call it once; hand-written test devices use it too.
 *
 * <p>Every method records its arguments; {@link #build()} validates and lays out, and throws
 * {@link IllegalArgumentException} naming the offending item and the fix.
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
  final List<BarLayout> bars = new ArrayList<>();
  private PmSpec pm;
  private MsiSpec msi;
  private MsixSpec msix;
  private ExpressSpec pciExpress;
  private final List<byte[]> vendorCaps = new ArrayList<>();
  private AerSpec aer;
  private Long serialNumber;
  private AtsSpec ats;
  private PriSpec pri;
  private PasidSpec pasid;

  private record PmSpec(boolean d1, boolean d2, boolean noSoftReset, int pmeSupport) {}

  private record MsiSpec(int vectors, boolean address64, boolean perVectorMask) {}

  private record MsixSpec(int vectors, int tableBar, long tableOffset, int pbaBar, long pbaOffset) {}

  private record ExpressSpec(int deviceType, int maxPayload, boolean flr, boolean extendedTag,
      int completionTimeoutRanges, boolean completionTimeoutDisable, boolean tag10BitCompleter,
      boolean tag10BitRequester, int linkSpeed, int linkWidth) {}

  private record AerSpec(int uncorrectableSeverity, boolean ecrcGeneration, boolean ecrcCheck) {}

  private record AtsSpec(int invalidateQueueDepth, boolean pageAlignedRequest, boolean globalInvalidate) {}

  private record PriSpec(int outstandingCapacity, boolean pasidRequired) {}

  private record PasidSpec(int width, boolean execute, boolean privileged) {}

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

  /** 24-bit class code: base class, sub-class, programming interface. */
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

  /** Power Management capability; {@code pmeSupport} is PMC bits 15:11 (bit 0 = PME from D0). */
  public ConfigSpaceBuilder powerManagement(boolean d1, boolean d2, boolean noSoftReset, int pmeSupport) {
    pm = new PmSpec(d1, d2, noSoftReset, pmeSupport);
    return this;
  }

  /** MSI capability with {@code vectors} (1, 2, 4, … 32) requested vectors. */
  public ConfigSpaceBuilder msi(int vectors, boolean address64, boolean perVectorMask) {
    msi = new MsiSpec(vectors, address64, perVectorMask);
    return this;
  }

  /** MSI-X capability; table and PBA must lie in memory BARs declared with {@link #bar}. */
  public ConfigSpaceBuilder msix(int vectors, int tableBar, long tableOffset, int pbaBar, long pbaOffset) {
    msix = new MsixSpec(vectors, tableBar, tableOffset, pbaBar, pbaOffset);
    return this;
  }

  /**
   * PCI Express capability, version 2. {@code deviceType} is the Device/Port Type code (0 endpoint,
   * 1 legacy, 9 RCiEP); {@code maxPayload} is in bytes (128..4096; the encoded values 0..5 are
   * accepted too).
   */
  public ConfigSpaceBuilder pciExpress(int deviceType, int maxPayload, boolean flr, boolean extendedTag,
      int completionTimeoutRanges, boolean completionTimeoutDisable, boolean tag10BitCompleter,
      boolean tag10BitRequester, int linkSpeed, int linkWidth) {
    pciExpress = new ExpressSpec(deviceType, maxPayload, flr, extendedTag, completionTimeoutRanges,
        completionTimeoutDisable, tag10BitCompleter, tag10BitRequester, linkSpeed, linkWidth);
    return this;
  }

  /** A vendor-specific capability with {@code data} after its 3-byte header. Repeatable. */
  public ConfigSpaceBuilder vendor(byte[] data) {
    vendorCaps.add(data.clone());
    return this;
  }

  public ConfigSpaceBuilder aer(int uncorrectableSeverity, boolean ecrcGeneration, boolean ecrcCheck) {
    aer = new AerSpec(uncorrectableSeverity, ecrcGeneration, ecrcCheck);
    return this;
  }

  public ConfigSpaceBuilder serialNumber(long serialNumber) {
    this.serialNumber = serialNumber;
    return this;
  }

  public ConfigSpaceBuilder ats(int invalidateQueueDepth, boolean pageAlignedRequest, boolean globalInvalidate) {
    ats = new AtsSpec(invalidateQueueDepth, pageAlignedRequest, globalInvalidate);
    return this;
  }

  public ConfigSpaceBuilder pri(int outstandingCapacity, boolean pasidRequired) {
    pri = new PriSpec(outstandingCapacity, pasidRequired);
    return this;
  }

  public ConfigSpaceBuilder pasid(int width, boolean execute, boolean privileged) {
    pasid = new PasidSpec(width, execute, privileged);
    return this;
  }

  /** Validates the description and lays out the header and capabilities. */
  public ConfigSpaceTemplate build() {
    validate();
    ConfigImage c = new ConfigImage(express ? 4096 : 256);
    List<CapabilityLocation> caps = new ArrayList<>();
    layHeader(c);
    layStandardCapabilities(c, caps);
    if (express) {
      layExtendedCapabilities(c, caps);
    }
    return new ConfigSpaceTemplate(c.image, c.writeMask, c.w1cMask, caps);
  }

  /**
   * {@link #build()} plus the BARs, as the runtime's {@link DeviceLayout}: handy for hand-written
   * devices (tests) that have no generated descriptor.
   */
  public DeviceLayout layout(List<MemoryRange> memoryRanges) {
    ConfigSpaceTemplate template = build();
    List<BarLayout> sorted = bars.stream().sorted(Comparator.comparingInt(BarLayout::index)).toList();
    return new DeviceLayout(sorted, memoryRanges, template);
  }

  // ---------------------------------------------------------------- validation

  private void validate() {
    check(vendorId >= 0 && vendorId <= 0xfffe, "vendor ID 0x%x is not a 16-bit ID other than 0xffff", vendorId);
    check(deviceId >= 0 && deviceId <= 0xffff, "device ID 0x%x does not fit in 16 bits", deviceId);
    check((subsystemVendorId & ~0xffff) == 0 && (subsystemId & ~0xffff) == 0,
        "subsystem IDs 0x%x:0x%x must be 16-bit values", subsystemVendorId, subsystemId);
    check((classCode & ~0xffffff) == 0, "class code 0x%x must be a 24-bit value (class, sub-class, prog-if)", classCode);
    check((revision & ~0xff) == 0, "revision %d must fit in a byte", revision);
    check(interruptPin >= 0 && interruptPin <= 4, "interrupt pin %d must be 0 (none) or 1..4 (INTA..INTD)", interruptPin);
    validateBars();
    if (pm != null) {
      check((pm.pmeSupport & ~0x1f) == 0, "PowerManagement pmeSupport 0x%x must be 5 bits (D0, D1, D2, D3hot, D3cold)", pm.pmeSupport);
    }
    if (msi != null) {
      check(msi.vectors >= 1 && msi.vectors <= 32 && Integer.bitCount(msi.vectors) == 1,
          "MSI vectors %d must be a power of two in 1..32", msi.vectors);
    }
    if (msix != null) {
      validateMsix();
    }
    if (express) {
      check(pciExpress != null, "a PCI Express function needs the PCI Express capability: add @PciExpress (pciExpress(...))");
      validateExpress();
    } else {
      String fix = " is PCI Express only: declare the device as PCI Express (ConfigSpaceBuilder.express) or remove it";
      check(pciExpress == null, "PCI Express capability%s", fix);
      check(aer == null, "AER%s", fix);
      check(serialNumber == null, "Device Serial Number%s", fix);
      check(ats == null, "ATS%s", fix);
      check(pri == null, "PRI%s", fix);
      check(pasid == null, "PASID%s", fix);
    }
    for (byte[] data : vendorCaps) {
      check(data.length + VENDOR_HEADER <= 252,
          "vendor capability data of %d bytes is too long: at most %d bytes fit after the 3-byte header",
          data.length, 252 - VENDOR_HEADER);
    }
    if (ats != null) {
      check(ats.invalidateQueueDepth >= 0 && ats.invalidateQueueDepth <= 31,
          "ATS invalidateQueueDepth %d must be in 0..31 (0 means 32)", ats.invalidateQueueDepth);
      check(!ats.globalInvalidate || pasid != null, "ATS globalInvalidate needs PASID: add @Pasid or drop globalInvalidate");
    }
    if (pri != null) {
      check(ats != null, "PRI needs ATS: add @Ats");
      check(pri.outstandingCapacity >= 1, "PRI outstandingCapacity %d must be at least 1", pri.outstandingCapacity);
    }
    if (pasid != null) {
      check(pasid.width >= 1 && pasid.width <= 20, "PASID width %d must be in 1..20 bits", pasid.width);
    }
  }

  private void validateBars() {
    boolean[] used = new boolean[6];
    for (BarLayout bar : bars) {
      int i = bar.index();
      check(!used[i], "BAR%d is declared twice (or overlaps the upper half of a 64-bit BAR%d)", i, i - 1);
      used[i] = true;
      switch (bar.type()) {
        case IO -> {
          check(!bar.prefetchable(), "I/O BAR%d cannot be prefetchable: remove prefetchable", i);
          check(bar.size() >= 4 && bar.size() <= 256, "I/O BAR%d size %d must be 4..256 bytes", i, bar.size());
        }
        case MEMORY32 -> check(bar.size() >= 16 && bar.size() <= 1L << 31,
            "32-bit memory BAR%d size %d must be 16 bytes..2 GiB (use MEMORY64 for larger)", i, bar.size());
        case MEMORY64 -> {
          check(i < 5, "64-bit BAR5 is impossible: a 64-bit BAR takes indices n and n+1; use index 0..4");
          check(bar.size() >= 16, "64-bit memory BAR%d size %d must be at least 16 bytes", i, bar.size());
          check(!used[i + 1], "64-bit BAR%d takes index %d too, which is already declared", i, i + 1);
          used[i + 1] = true;
        }
      }
    }
  }

  private void validateMsix() {
    check(msix.vectors >= 1 && msix.vectors <= 2048, "MSI-X vectors %d must be in 1..2048", msix.vectors);
    checkMsixStructure("table", msix.tableBar, msix.tableOffset, 16L * msix.vectors);
    checkMsixStructure("PBA", msix.pbaBar, msix.pbaOffset, 8L * ((msix.vectors + 63) / 64));
    if (msix.tableBar == msix.pbaBar) {
      long tableEnd = msix.tableOffset + 16L * msix.vectors;
      long pbaEnd = msix.pbaOffset + 8L * ((msix.vectors + 63) / 64);
      check(tableEnd <= msix.pbaOffset || pbaEnd <= msix.tableOffset,
          "MSI-X table [0x%x, 0x%x) and PBA [0x%x, 0x%x) overlap in BAR%d: move the PBA",
          msix.tableOffset, tableEnd, msix.pbaOffset, pbaEnd, msix.tableBar);
    }
  }

  private void checkMsixStructure(String what, int barIndex, long offset, long length) {
    check(barIndex >= 0 && barIndex <= 5, "MSI-X %s BAR %d must be 0..5", what, barIndex);
    BarLayout bar = bars.stream().filter(b -> b.index() == barIndex).findFirst().orElse(null);
    check(bar != null, "MSI-X %s is in BAR%d, which is not declared: add @Bar(index = %d)", what, barIndex, barIndex);
    check(bar.type() != Bar.Type.IO, "MSI-X %s must be in a memory BAR, BAR%d is I/O", what, barIndex);
    check(offset >= 0 && (offset & 7) == 0 && offset <= 0xffff_fff8L,
        "MSI-X %s offset 0x%x must be 8-byte aligned", what, offset);
    check(offset + length <= bar.size(), "MSI-X %s [0x%x, 0x%x) does not fit in BAR%d of size 0x%x: enlarge the BAR",
        what, offset, offset + length, barIndex, bar.size());
  }

  private void validateExpress() {
    ExpressSpec e = pciExpress;
    check(e.deviceType == 0 || e.deviceType == 1 || e.deviceType == 9,
        "PCI Express device type %d is not an endpoint: use 0 (endpoint), 1 (legacy endpoint) or 9 (RCiEP)", e.deviceType);
    check(payloadCode(e.maxPayload) >= 0, "PCI Express maxPayload %d must be 128, 256, 512, 1024, 2048 or 4096 bytes", e.maxPayload);
    check((e.completionTimeoutRanges & ~0xf) == 0, "PCI Express completionTimeoutRanges 0x%x must be 4 bits", e.completionTimeoutRanges);
    check(e.linkSpeed >= 1 && e.linkSpeed <= 6, "PCI Express linkSpeed %d must be 1 (2.5 GT/s) .. 6 (64 GT/s)", e.linkSpeed);
    check(List.of(1, 2, 4, 8, 12, 16, 32).contains(e.linkWidth), "PCI Express linkWidth %d must be 1, 2, 4, 8, 12, 16 or 32", e.linkWidth);
  }

  /** Max_Payload_Size encoding of bytes (or an already encoded 0..5); -1 when invalid. */
  private static int payloadCode(int maxPayload) {
    if (maxPayload >= 0 && maxPayload <= 5) {
      return maxPayload;
    }
    if (maxPayload < 128 || maxPayload > 4096 || Integer.bitCount(maxPayload) != 1) {
      return -1;
    }
    return Integer.numberOfTrailingZeros(maxPayload) - 7;
  }

  private static void check(boolean ok, String format, Object... args) {
    if (!ok) {
      throw new IllegalArgumentException(String.format(format, args));
    }
  }

  // ---------------------------------------------------------------- header

  private void layHeader(ConfigImage c) {
    c.ro16(VENDOR_ID, vendorId);
    c.ro16(DEVICE_ID, deviceId);
    c.rw16(COMMAND, 0, COMMAND_WRITABLE);
    c.w1c16(STATUS, STATUS_W1C);
    c.ro8(REVISION, revision);
    c.ro8(CLASS_PROG, classCode);
    c.ro16(CLASS_PROG + 1, classCode >>> 8);
    c.rw8(CACHE_LINE_SIZE, 0, 0xff);
    // The latency timer is a conventional-PCI bus-master setting; PCIe hard-wires it to 0.
    c.rw8(LATENCY_TIMER, 0, express ? 0 : 0xff);
    c.ro8(HEADER_TYPE, 0);
    for (BarLayout bar : bars) {
      layBar(c, bar);
    }
    c.ro16(SUBSYSTEM_VENDOR_ID, subsystemVendorId);
    c.ro16(SUBSYSTEM_ID, subsystemId);
    c.ro32(ROM_ADDRESS, 0); // no expansion ROM: the register reads 0 and ignores writes
    c.rw8(INTERRUPT_LINE, 0, 0xff);
    c.ro8(INTERRUPT_PIN, interruptPin);
  }

  private static void layBar(ConfigImage c, BarLayout bar) {
    int off = BAR0 + 4 * bar.index();
    long sizeMask = ~(bar.size() - 1);
    switch (bar.type()) {
      case IO -> c.rw32(off, 0x1, (int) sizeMask & ~0x3);
      case MEMORY32 -> c.rw32(off, bar.prefetchable() ? 0x8 : 0, (int) sizeMask & ~0xf);
      case MEMORY64 -> {
        c.rw32(off, 0x4 | (bar.prefetchable() ? 0x8 : 0), (int) sizeMask & ~0xf);
        // A conforming device keeps every upper bit writable below 4 GiB (libvfio-user does not).
        c.rw32(off + 4, 0, (int) (sizeMask >>> 32));
      }
    }
  }

  // ---------------------------------------------------------------- standard capabilities

  private void layStandardCapabilities(ConfigImage c, List<CapabilityLocation> caps) {
    List<int[]> chain = new ArrayList<>(); // {id, offset, length}
    int next = FIRST_CAPABILITY;
    if (pm != null) {
      next = place(chain, CapabilityLocation.PM, next, PM_SIZE);
    }
    if (msi != null) {
      next = place(chain, CapabilityLocation.MSI, next, msiSize());
    }
    if (msix != null) {
      next = place(chain, CapabilityLocation.MSIX, next, MSIX_SIZE);
    }
    if (pciExpress != null) {
      next = place(chain, CapabilityLocation.PCI_EXPRESS, next, EXP_SIZE);
    }
    for (byte[] data : vendorCaps) {
      next = place(chain, CapabilityLocation.VENDOR, next, VENDOR_HEADER + data.length);
    }
    check(next <= 0x100, "the capabilities need %d bytes but only 192 fit in 0x40..0xff: drop a vendor capability or shorten its data",
        next - FIRST_CAPABILITY);
    if (chain.isEmpty()) {
      return;
    }
    c.ro16(STATUS, STATUS_CAP_LIST);
    c.ro8(CAPABILITY_LIST, chain.getFirst()[1]);
    int vendorIndex = 0;
    for (int i = 0; i < chain.size(); i++) {
      int[] cap = chain.get(i);
      int off = cap[1];
      c.ro8(off, cap[0]);
      c.ro8(off + 1, i + 1 < chain.size() ? chain.get(i + 1)[1] : 0);
      switch (cap[0]) {
        case CapabilityLocation.PM -> layPm(c, off);
        case CapabilityLocation.MSI -> layMsi(c, off);
        case CapabilityLocation.MSIX -> layMsix(c, off);
        case CapabilityLocation.PCI_EXPRESS -> layExpress(c, off);
        default -> layVendor(c, off, vendorCaps.get(vendorIndex++));
      }
      caps.add(new CapabilityLocation(cap[0], false, off, cap[2]));
    }
  }

  /** Appends a capability at {@code offset}; returns the next 4-byte aligned free offset. */
  private static int place(List<int[]> chain, int id, int offset, int length) {
    chain.add(new int[] {id, offset, length});
    return (offset + length + 3) & ~3;
  }

  private void layPm(ConfigImage c, int off) {
    int pmc = 3 | (pm.d1 ? 1 << 9 : 0) | (pm.d2 ? 1 << 10 : 0) | pm.pmeSupport << 11;
    c.ro16(off + PM_PMC, pmc);
    boolean pme = pm.pmeSupport != 0;
    c.rw16(off + PM_CTRL, pm.noSoftReset ? PM_NO_SOFT_RESET : 0, PM_STATE_MASK | (pme ? PM_PME_ENABLE : 0));
    c.w1c16(off + PM_CTRL, pme ? PM_PME_STATUS : 0);
  }

  private int msiSize() {
    return 0x0a + (msi.address64 ? 4 : 0) + (msi.perVectorMask ? 10 : 0);
  }

  private void layMsi(ConfigImage c, int off) {
    int log2 = Integer.numberOfTrailingZeros(msi.vectors);
    int flags = log2 << 1 | (msi.address64 ? MSI_64BIT : 0) | (msi.perVectorMask ? MSI_MASKABLE : 0);
    c.rw16(off + MSI_FLAGS, flags, MSI_ENABLE | MSI_QSIZE);
    c.rw32(off + MSI_ADDRESS_LO, 0, 0xfffffffc);
    int data = off + msiDataOffset(msi.address64);
    if (msi.address64) {
      c.rw32(off + MSI_ADDRESS_LO + 4, 0, 0xffffffff);
    }
    c.rw16(data, 0, 0xffff);
    if (msi.perVectorMask) {
      // Mask bits at data + 4 (after 2 reserved bytes), pending bits (RO) after them.
      c.rw32(data + 4, 0, msi.vectors == 32 ? -1 : (1 << msi.vectors) - 1);
    }
  }

  /** Offset of Message Data in an MSI capability. */
  static int msiDataOffset(boolean address64) {
    return address64 ? 0x0c : 0x08;
  }

  private void layMsix(ConfigImage c, int off) {
    c.rw16(off + MSIX_FLAGS, msix.vectors - 1, MSIX_ENABLE | MSIX_FUNCTION_MASK);
    c.ro32(off + MSIX_TABLE, (int) msix.tableOffset | msix.tableBar);
    c.ro32(off + MSIX_PBA, (int) msix.pbaOffset | msix.pbaBar);
  }

  private void layExpress(ConfigImage c, int off) {
    ExpressSpec e = pciExpress;
    c.ro16(off + EXP_FLAGS, 2 | e.deviceType << 4);
    int devcap = payloadCode(e.maxPayload) | (e.extendedTag ? 1 << 5 : 0) | 1 << 15 // role-based error reporting
        | (e.flr ? EXP_DEVCAP_FLR : 0);
    c.ro32(off + EXP_DEVCAP, devcap);
    // Error reporting enables, relaxed ordering, MPS, ext tag, no snoop, MRRS; FLR self-clears.
    int devctlWritable = 0x000f | 0x0010 | 0x00e0 | (e.extendedTag ? 0x0100 : 0) | 0x0800 | 0x7000
        | (e.flr ? EXP_DEVCTL_BCR_FLR : 0);
    c.rw16(off + EXP_DEVCTL, 0x2810, devctlWritable);
    c.w1c16(off + EXP_DEVSTA, 0x000f);
    boolean link = e.deviceType != 9; // an RCiEP has no link
    if (link) {
      c.ro32(off + EXP_LNKCAP, e.linkSpeed | e.linkWidth << 4);
      // ASPM control, read completion boundary, common clock, extended synch.
      c.rw16(off + EXP_LNKCTL, 0, 0x0003 | 0x0008 | 0x0040 | 0x0080);
      c.ro16(off + EXP_LNKSTA, e.linkSpeed | e.linkWidth << 4);
    }
    int devcap2 = e.completionTimeoutRanges | (e.completionTimeoutDisable ? 1 << 4 : 0)
        | (e.tag10BitCompleter ? 1 << 16 : 0) | (e.tag10BitRequester ? 1 << 17 : 0)
        // Linux enables PASID only when End-End TLP prefixes are supported.
        | (pasid != null ? EXP_DEVCAP2_EE_PREFIX : 0);
    c.ro32(off + EXP_DEVCAP2, devcap2);
    int devctl2Writable = (e.completionTimeoutRanges != 0 ? 0x000f : 0) | (e.completionTimeoutDisable ? 0x0010 : 0)
        | 0x0040 /* AtomicOp requester */ | (e.tag10BitRequester ? 0x1000 : 0);
    c.rw16(off + EXP_DEVCTL2, 0, devctl2Writable);
    if (link) {
      int speeds = ((1 << e.linkSpeed) - 1) << 1;
      c.ro32(off + EXP_LNKCAP2, speeds);
      c.rw16(off + EXP_LNKCTL2, e.linkSpeed, 0x000f); // target link speed
    }
  }

  private static void layVendor(ConfigImage c, int off, byte[] data) {
    c.ro8(off + VENDOR_LENGTH, VENDOR_HEADER + data.length);
    System.arraycopy(data, 0, c.image, off + VENDOR_HEADER, data.length);
  }

  // ---------------------------------------------------------------- extended capabilities

  private void layExtendedCapabilities(ConfigImage c, List<CapabilityLocation> caps) {
    List<int[]> chain = new ArrayList<>(); // {id, offset, length, version}
    int next = FIRST_EXTENDED;
    if (aer != null) {
      next = placeExtended(chain, CapabilityLocation.AER, next, AER_SIZE, 2);
    }
    if (serialNumber != null) {
      next = placeExtended(chain, CapabilityLocation.DSN, next, DSN_SIZE, 1);
    }
    if (ats != null) {
      next = placeExtended(chain, CapabilityLocation.ATS, next, ATS_SIZE, 1);
    }
    if (pri != null) {
      next = placeExtended(chain, CapabilityLocation.PRI, next, PRI_SIZE, 1);
    }
    if (pasid != null) {
      placeExtended(chain, CapabilityLocation.PASID, next, PASID_SIZE, 1);
    }
    // No extended capability: the dword at 0x100 stays 0 (ID 0, version 0, next 0).
    for (int i = 0; i < chain.size(); i++) {
      int[] cap = chain.get(i);
      int off = cap[1];
      int nextOff = i + 1 < chain.size() ? chain.get(i + 1)[1] : 0;
      c.ro32(off, cap[0] | cap[3] << 16 | nextOff << 20);
      switch (cap[0]) {
        case CapabilityLocation.AER -> layAer(c, off);
        case CapabilityLocation.DSN -> {
          c.ro32(off + 4, (int) (long) serialNumber);
          c.ro32(off + 8, (int) (serialNumber >>> 32));
        }
        case CapabilityLocation.ATS -> layAts(c, off);
        case CapabilityLocation.PRI -> layPri(c, off);
        default -> layPasid(c, off);
      }
      caps.add(new CapabilityLocation(cap[0], true, off, cap[2]));
    }
  }

  private static int placeExtended(List<int[]> chain, int id, int offset, int length, int version) {
    chain.add(new int[] {id, offset, length, version});
    return (offset + length + 3) & ~3;
  }

  private void layAer(ConfigImage c, int off) {
    c.w1c32(off + AER_UNCOR_STATUS, AER_UNCOR_BITS);
    c.rw32(off + AER_UNCOR_MASK, 0, AER_UNCOR_BITS);
    c.rw32(off + AER_UNCOR_SEVER, aer.uncorrectableSeverity & AER_UNCOR_BITS, AER_UNCOR_BITS);
    c.w1c32(off + AER_COR_STATUS, AER_COR_BITS);
    c.rw32(off + AER_COR_MASK, AER_ADVISORY_NON_FATAL, AER_COR_BITS);
    int capabilities = (aer.ecrcGeneration ? AER_ECRC_GEN_CAPABLE : 0) | (aer.ecrcCheck ? AER_ECRC_CHECK_CAPABLE : 0);
    int enables = (aer.ecrcGeneration ? AER_ECRC_GEN_ENABLE : 0) | (aer.ecrcCheck ? AER_ECRC_CHECK_ENABLE : 0);
    c.rw32(off + AER_CAP, capabilities, enables);
  }

  private void layAts(ConfigImage c, int off) {
    c.ro16(off + ATS_CAP, ats.invalidateQueueDepth | (ats.pageAlignedRequest ? ATS_PAGE_ALIGNED : 0)
        | (ats.globalInvalidate ? ATS_GLOBAL_INVALIDATE : 0));
    c.rw16(off + ATS_CTRL, 0, ATS_ENABLE | ATS_STU);
  }

  private void layPri(ConfigImage c, int off) {
    // Reset is stored by the mask but cleared by ConfigSpace after it acts (it reads 0).
    c.rw16(off + PRI_CTRL, 0, PRI_ENABLE | PRI_RESET);
    // Stopped = 1 at reset: disabled and nothing outstanding. Linux refuses PRI without it.
    c.ro16(off + PRI_STATUS, PRI_STATUS_STOPPED | (pri.pasidRequired ? PRI_STATUS_PASID : 0));
    c.w1c16(off + PRI_STATUS, PRI_STATUS_RF | PRI_STATUS_UPRGI);
    c.ro32(off + PRI_MAX_REQ, pri.outstandingCapacity);
    c.rw32(off + PRI_ALLOC_REQ, 0, 0xffffffff);
  }

  private void layPasid(ConfigImage c, int off) {
    c.ro16(off + PASID_CAP, (pasid.execute ? PASID_EXEC : 0) | (pasid.privileged ? PASID_PRIV : 0) | pasid.width << 8);
    c.rw16(off + PASID_CTRL, 0, PASID_ENABLE | (pasid.execute ? PASID_EXEC : 0) | (pasid.privileged ? PASID_PRIV : 0));
  }
}

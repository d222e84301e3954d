package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.irq.IrqFlags;
import io.vfu4j.runtime.pci.ConfigSpaceBuilder;
import io.vfu4j.runtime.pci.IommuEnables;
import io.vfu4j.runtime.pci.Lspci;
import io.vfu4j.runtime.sys.EventFd;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A PCIe endpoint (PM, MSI, MSI-X in BAR2, PCIe with FLR, vendor, AER, DSN, ATS, PRI, PASID)
 * driven through the real socket with the host client.
 */
@Timeout(30)
class ExpressPciSocketTest extends PciSocketFixture {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final long SERIAL = 0x0123456789abcdefL;
  private static final int MSIX_VECTORS = 16, PBA = 0x800;
  private static final int AER_SEVERITY = 0x00462030;

  private int pm, msi, msix, pcie, vendor, aer, dsn, ats, pri, pasid;
  private List<EventFd> msixFds = List.of();

  @Override
  ConfigSpaceBuilder builder() {
    return ConfigSpaceBuilder.express(0x1234, 0x11e8).subsystem(0x1af4, 0x1101).classCode(0x020000).revision(1)
        .interruptPin(1)
        .bar(MEM32_1M).bar(MEM64_PREF_64K)
        .powerManagement(false, false, false, 0x19)
        .msi(4, true, true)
        .msix(MSIX_VECTORS, 2, 0x0, 2, PBA)
        .pciExpress(0, 512, true, true, 0xf, true, false, false, 2, 4)
        .vendor(new byte[] {0x11, 0x22, 0x33, 0x44, 0x55})
        .aer(AER_SEVERITY, true, true)
        .serialNumber(SERIAL)
        .ats(4, true, true)
        .pri(64, true)
        .pasid(16, true, true);
  }

  @BeforeEach
  void walkCapabilities() throws Exception {
    Map<Integer, Integer> std = standardCapabilities();
    Map<Integer, Integer> ext = extendedCapabilities();
    pm = std.get(0x01);
    msi = std.get(0x05);
    msix = std.get(0x11);
    pcie = std.get(0x10);
    vendor = std.get(0x09);
    aer = ext.get(0x0001);
    dsn = ext.get(0x0003);
    ats = ext.get(0x000f);
    pri = ext.get(0x0013);
    pasid = ext.get(0x001b);
  }

  @AfterEach
  void closeFds() {
    msixFds.forEach(EventFd::close);
  }

  @Test
  void bothCapabilityChainsWalkOverTheSocket() throws Exception {
    assertThat(standardCapabilities().keySet()).containsExactly(0x01, 0x05, 0x11, 0x10, 0x09);
    assertThat(extendedCapabilities().keySet()).containsExactly(0x0001, 0x0003, 0x000f, 0x0013, 0x001b);
    assertThat(aer).isEqualTo(0x100);
    assertThat(c.regionInfo(CONFIG).info().size()).isEqualTo(4096);
    assertThat(c.config16(pcie + 2) & 0xf).as("PCIe capability version 2").isEqualTo(2);
    assertThat(c.config8(vendor + 2)).as("vendor capability length").isEqualTo(8);
    assertThat(c.readRegion(CONFIG, vendor + 3, 5)).containsExactly(0x11, 0x22, 0x33, 0x44, 0x55);
    assertThat(c.read(CONFIG, dsn + 4, 8)).isEqualTo(SERIAL);
    assertThat(c.config32(pcie + 4) & 1 << 28).as("FLR capable").isNotZero();
    assertThat(c.config16(msix + 2) & 0x7ff).isEqualTo(MSIX_VECTORS - 1);
    assertThat(c.config32(msix + 4)).as("table in BAR2 at 0").isEqualTo(2);
    assertThat(c.config32(msix + 8)).as("PBA in BAR2").isEqualTo(PBA | 2);
    // one read across the boundary of two extended capabilities equals the dword reads
    int end = dsn - 4;
    long across = c.read(CONFIG, end, 8);
    assertThat(across).isEqualTo(Integer.toUnsignedLong(c.config32(end)) | (long) c.config32(dsn) << 32);
  }

  @Test
  void barSizingOfMemoryBars() throws Exception {
    c.writeConfig32(0x10, 0xffffffff);
    assertThat(c.config32(0x10)).isEqualTo(0xfff00000);
    c.writeConfig32(0x18, 0xffffffff);
    c.writeConfig32(0x1c, 0xffffffff);
    assertThat(c.read(CONFIG, 0x18, 8)).isEqualTo(0xffff_ffff_ffff_000cL);
    c.writeConfig32(0x10, 0);
    c.writeConfig32(0x18, 0);
    c.writeConfig32(0x1c, 0);
    assertThat(c.config32(0x10)).isZero();
    assertThat(c.config32(0x18)).isEqualTo(0x0c);
  }

  @Test
  void aerAndDeviceStatusAreWriteOneToClear() throws Exception {
    onDeviceThread(() -> {
      server.host().config().recordUncorrectableErrors(1 << 20 | 1 << 14); // UR, completion timeout
      server.host().config().recordCorrectableErrors(1); // receiver error
      return null;
    });
    assertThat(c.config32(aer + 4)).isEqualTo(1 << 20 | 1 << 14);
    assertThat(c.config32(aer + 0x10)).isEqualTo(1);
    assertThat(c.config32(aer + 0x0c)).as("severity as configured").isEqualTo(AER_SEVERITY);
    // both errors are non-fatal by severity; UR also sets Unsupported Request Detected
    assertThat(c.config16(pcie + 0x0a) & 0xf).isEqualTo(0x1 | 0x2 | 0x8);

    c.writeConfig32(aer + 4, 1 << 14);
    assertThat(c.config32(aer + 4)).isEqualTo(1 << 20);
    c.writeConfig32(aer + 0x10, 0);
    assertThat(c.config32(aer + 0x10)).as("0 clears nothing").isEqualTo(1);
    c.writeConfig32(aer + 0x10, 1);
    assertThat(c.config32(aer + 0x10)).isZero();
    c.writeConfig16(pcie + 0x0a, 0x2);
    assertThat(c.config16(pcie + 0x0a) & 0xf).isEqualTo(0x9);
    // a dword write at Device Control spans DevCtl and DevSta
    int devctl = c.config16(pcie + 8);
    c.writeConfig32(pcie + 8, 0x0009_0000 | devctl);
    assertThat(c.config16(pcie + 0x0a) & 0xf).isZero();
    assertThat(c.config16(pcie + 8)).isEqualTo(devctl);
    // masks and severity are RW, the capability header is not
    c.writeConfig32(aer + 8, 0x00100000);
    assertThat(c.config32(aer + 8)).isEqualTo(0x00100000);
    int header = c.config32(aer);
    c.writeConfig32(aer, 0);
    assertThat(c.config32(aer)).isEqualTo(header);
  }

  private void programMsixEntry(int vector, boolean masked) throws Exception {
    long entry = 16L * vector;
    c.write(2, entry, 4, 0xfee00000L);
    c.write(2, entry + 4, 4, 0);
    c.write(2, entry + 8, 4, 0x4000 + vector);
    c.write(2, entry + 12, 4, masked ? 1 : 0);
  }

  private long pba() throws Exception {
    return c.read(2, PBA, 8);
  }

  @Test
  void msixTableMaskingAndPendingWithAServerEmulatedTable() throws Exception {
    msixFds = c.enableInterrupts(IrqFlags.MSIX, MSIX_VECTORS);
    programMsixEntry(3, true);
    programMsixEntry(4, false);
    c.writeConfig16(msix + 2, 0x8000); // MSI-X Enable
    assertThat(c.read(2, 16 * 3 + 8, 4)).as("table reads back").isEqualTo(0x4003);

    raise(3);
    assertThat(msixFds.get(3).readCounter()).as("masked vector does not fire").isZero();
    assertThat(pba()).as("pending bit of vector 3 over the socket").isEqualTo(1L << 3);
    c.write(2, 16 * 3 + 12, 4, 0); // unmask
    assertThat(msixFds.get(3).await(WAIT)).isEqualTo(1);
    assertThat(pba()).isZero();

    raise(4);
    assertThat(msixFds.get(4).await(WAIT)).as("unmasked vector fires at once").isEqualTo(1);

    c.writeConfig16(msix + 2, 0xc000); // Function Mask
    raise(4);
    assertThat(msixFds.get(4).readCounter()).isZero();
    assertThat(pba()).isEqualTo(1L << 4);
    c.writeConfig16(msix + 2, 0x8000);
    assertThat(msixFds.get(4).await(WAIT)).as("function unmask delivers").isEqualTo(1);
    assertThat(pba()).isZero();
    c.write(2, PBA, 8, -1L);
    assertThat(pba()).as("PBA is read-only").isZero();
  }

  @Test
  void msixWithAClientThatEmulatesTheTableItselfLikeQemu() throws Exception {
    msixFds = c.enableInterrupts(IrqFlags.MSIX, MSIX_VECTORS);
    c.writeConfig16(msix + 2, 0x8000); // enable; the table stays untouched (masked from reset)
    raise(5);
    assertThat(msixFds.get(5).await(WAIT)).as("our table's reset masks do not count").isEqualTo(1);
    // QEMU masks through SET_IRQS; the pending bit shows in the PBA it forwards
    int none = io.vfu4j.runtime.protocol.DeviceMessages.SetIrqs.DATA_NONE;
    c.setIrqs(IrqFlags.ACTION_MASK | none, IrqFlags.MSIX, 5, 1, new byte[0]);
    raise(5);
    assertThat(msixFds.get(5).readCounter()).isZero();
    assertThat(pba()).isEqualTo(1L << 5);
    c.setIrqs(IrqFlags.ACTION_UNMASK | none, IrqFlags.MSIX, 5, 1, new byte[0]);
    assertThat(msixFds.get(5).await(WAIT)).isEqualTo(1);
    assertThat(pba()).isZero();
  }

  @Test
  void msiPerVectorMaskHoldsPendingUntilUnmask() throws Exception {
    List<EventFd> fds = c.enableInterrupts(IrqFlags.MSI, 4);
    try {
      c.writeConfig32(msi + 4, 0xfee00000);
      c.writeConfig16(msi + 12, 0x4020);
      c.writeConfig32(msi + 16, 1 << 1); // mask vector 1
      c.writeConfig16(msi + 2, 0x0020 | 1); // 4 vectors, enable
      raise(2);
      assertThat(fds.get(2).await(WAIT)).isEqualTo(1);
      raise(1);
      assertThat(fds.get(1).readCounter()).isZero();
      assertThat(c.config32(msi + 20)).as("MSI Pending Bits").isEqualTo(1 << 1);
      c.writeConfig32(msi + 16, 0);
      assertThat(fds.get(1).await(WAIT)).isEqualTo(1);
      assertThat(c.config32(msi + 20)).isZero();
    } finally {
      fds.forEach(EventFd::close);
    }
  }

  @Test
  void flrResetsTheDeviceAndConfigKeepingStickyBits() throws Exception {
    c.writeConfig16(0x04, 0x0006);
    c.write(0, PciTestDevice.SCRATCH, 4, 0x99);
    c.writeConfig32(aer + 8, 0x00100000); // sticky mask
    onDeviceThread(() -> {
      server.host().config().recordUncorrectableErrors(1 << 14);
      return null;
    });
    c.writeConfig16(msix + 2, 0x8000);
    c.writeConfig16(ats + 6, 0x8002);
    int devctl = c.config16(pcie + 8);

    c.writeConfig16(pcie + 8, devctl | 0x8000 | 0x0010); // Initiate FLR (and relaxed ordering off/on)

    assertThat(device().resets).as("the device saw the FLR before the write was answered").containsExactly(ResetReason.FLR);
    assertThat(c.read(0, PciTestDevice.SCRATCH, 4)).isEqualTo(PciTestDevice.SCRATCH_RESET);
    assertThat(c.config16(pcie + 8) & 0x8000).as("Initiate FLR reads 0").isZero();
    assertThat(c.config16(pcie + 8)).as("Device Control back to reset").isEqualTo(resetDevctl());
    assertThat(c.config16(0x04)).isZero();
    assertThat(c.config16(msix + 2) & 0x8000).isZero();
    assertThat(c.config16(ats + 6)).isZero();
    assertThat(c.config32(aer + 8)).as("sticky AER mask kept").isEqualTo(0x00100000);
    assertThat(c.config32(aer + 4)).as("sticky AER status kept").isEqualTo(1 << 14);
    assertThat(device().iommuSeen).last().isEqualTo(IommuEnables.DISABLED);
    assertThat(server.host().dma().iommuEnables()).isEqualTo(IommuEnables.DISABLED);
  }

  /** Device Control after a DEVICE_RESET, which restores every bit. */
  private int resetDevctl() throws Exception {
    return onDeviceThread(() -> {
      byte[] image = server.host().config().template().image();
      return (image[pcie + 8] & 0xff) | (image[pcie + 9] & 0xff) << 8;
    });
  }

  @Test
  void deviceResetClearsStickyBitsToo() throws Exception {
    c.writeConfig32(aer + 8, 0x00100000);
    c.reset();
    assertThat(device().resets).containsExactly(ResetReason.DEVICE_RESET);
    assertThat(c.config32(aer + 8)).isZero();
  }

  @Test
  void atsPriPasidEnabledInLinuxOrderReachTheDevice() throws Exception {
    assertThat(c.config16(pasid + 4) & 0x1f06).as("PASID Exec, Priv, width 16").isEqualTo(0x1006);
    c.writeConfig16(pasid + 6, 0x0003); // PASID: enable + exec
    IommuEnables pasidOnly = new IommuEnables(false, 0, false, 0, true, true, false);
    assertThat(device().iommuSeen).containsExactly(pasidOnly);

    c.writeConfig16(ats + 6, 0x8000 | 3); // ATS: enable, STU 3
    IommuEnables withAts = new IommuEnables(true, 3, false, 0, true, true, false);
    assertThat(device().iommuSeen).containsExactly(pasidOnly, withAts);

    assertThat(c.config16(pri + 6) & 0x0100).as("PRI Stopped before enable (Linux checks)").isEqualTo(0x0100);
    assertThat(c.config32(pri + 8)).as("PRI capacity").isEqualTo(64);
    c.writeConfig32(pri + 8, 1);
    assertThat(c.config32(pri + 8)).as("capacity is read-only").isEqualTo(64);
    c.writeConfig32(pri + 0x0c, 32); // allocation
    c.writeConfig16(pri + 4, 0x0001); // enable
    IommuEnables all = new IommuEnables(true, 3, true, 32, true, true, false);
    assertThat(device().iommuSeen).last().isEqualTo(all);
    assertThat(server.host().dma().iommuEnables()).isEqualTo(all);
    assertThat(c.config16(pri + 6) & 0x0100).as("not Stopped while enabled").isZero();
    // the device reads the same through DeviceContext.iommu()
    assertThat(onDeviceThread(() -> device().ctx.iommu().priAllocation())).isEqualTo(32);
  }

  @Test
  void lspciDecodesTheExpressConfigSpaceAfterGuestStyleWrites() throws Exception {
    c.writeConfig32(0x10, 0xfe000000);
    c.writeConfig32(0x18, 0xfd000000);
    c.writeConfig16(0x04, 0x0006);
    c.writeConfig16(msix + 2, 0x8000);
    c.writeConfig16(pasid + 6, 0x0003);
    c.writeConfig16(ats + 6, 0x8003);
    c.writeConfig32(pri + 0x0c, 32);
    c.writeConfig16(pri + 4, 0x0001);
    String text = Lspci.decode(c.readRegion(CONFIG, 0, 4096));
    assertThat(text)
        .contains("[1234:11e8]", "(rev 01)")
        .contains("Control: I/O- Mem+ BusMaster+")
        .contains("Region 0: Memory at fe000000 (32-bit, non-prefetchable)")
        .contains("Region 2: Memory at fd000000 (64-bit, prefetchable)")
        .contains("Express (v2) Endpoint")
        .contains("FLReset+")
        .contains("MaxPayload 512 bytes")
        .contains("MSI: Enable- Count=1/4 Maskable+ 64bit+")
        .contains("MSI-X: Enable+ Count=16 Masked-")
        .contains("Vector table: BAR=2 offset=00000000")
        .contains("PBA: BAR=2 offset=00000800")
        .contains("Vendor Specific Information: Len=08")
        .contains("Advanced Error Reporting")
        .contains("Device Serial Number 01-23-45-67-89-ab-cd-ef")
        .contains("Address Translation Service (ATS)")
        .contains("ATSCtl:\tEnable+, Smallest Translation Unit: 03")
        .contains("Page Request Interface (PRI)")
        .contains("PRICtl: Enable+ Reset-")
        .contains("PRISta: RF- UPRGI- Stopped-")
        .contains("Page Request Capacity: 00000040, Page Request Allocation: 00000020")
        .contains("Process Address Space ID (PASID)")
        .contains("PASIDCap: Exec+ Priv+, Max PASID Width: 10")
        .contains("PASIDCtl: Enable+ Exec+ Priv-");
  }
}

package io.vfu4j.runtime.pci;

import static io.vfu4j.runtime.pci.TestDevices.read;
import static io.vfu4j.runtime.pci.TestDevices.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.api.Bar;
import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.CapabilityLocation;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigSpaceTest {
  private final ConfigSpace conventional = TestDevices.space(TestDevices.conventional());
  private final ConfigSpace express = TestDevices.space(TestDevices.express());
  private final RecordingListener events = new RecordingListener();

  private int cap(ConfigSpace config, int id, boolean extended) {
    return config.template().find(id, extended).offset();
  }

  /** Linux's sizing: save, write all ones, read back, restore. Returns the read-back value. */
  private static int size(ConfigSpace config, int offset) {
    int saved = read(config, offset, 4);
    write(config, offset, 4, 0xffffffff);
    int mask = read(config, offset, 4);
    write(config, offset, 4, saved);
    assertThat(read(config, offset, 4)).as("restored").isEqualTo(saved);
    return mask;
  }

  @Test
  void sizesEveryBarKind() {
    assertThat(size(conventional, 0x10)).isEqualTo(0xfff00000);
    assertThat(~(size(conventional, 0x10) & ~0xf) + 1).isEqualTo(1 << 20);

    int low = size(conventional, 0x18);
    int high = size(conventional, 0x1c);
    assertThat(low & 0xf).as("64-bit prefetchable type bits kept").isEqualTo(0xc);
    long combined = (long) high << 32 | Integer.toUnsignedLong(low & ~0xf);
    assertThat(~combined + 1).isEqualTo(1 << 16);
    assertThat(high).as("upper dword fully writable below 4 GiB").isEqualTo(0xffffffff);

    int io = size(conventional, 0x20);
    assertThat(io & 0x3).isEqualTo(1);
    assertThat(~(io & ~0x3) + 1).isEqualTo(32);

    assertThat(size(conventional, 0x14)).as("unimplemented BAR1").isZero();
    assertThat(size(conventional, 0x24)).as("unimplemented BAR5").isZero();
  }

  @Test
  void sizesA64BitBarAbove4GiB() {
    ConfigSpace big = TestDevices.space(ConfigSpaceBuilder.pci(1, 2).bar(new BarLayout(0, 8L << 30, Bar.Type.MEMORY64, true)));
    assertThat(size(big, 0x10)).isEqualTo(0x0000000c);
    assertThat(size(big, 0x14)).isEqualTo(0xfffffffe);
  }

  @Test
  void barAddressesKeepTypeBitsAndDropLowBits() {
    write(conventional, 0x10, 4, 0xfe0abcdf);
    assertThat(read(conventional, 0x10, 4)).isEqualTo(0xfe000000);
    write(conventional, 0x18, 4, 0x12345678);
    write(conventional, 0x1c, 4, 0x00000008);
    assertThat(conventional.barAddress(2)).isEqualTo(0x8_1234_0000L);
    write(conventional, 0x20, 4, 0x0000c0ff);
    assertThat(read(conventional, 0x20, 4)).isEqualTo(0x0000c0e1);
    assertThat(conventional.barAddress(4)).isEqualTo(0xc0e0);
  }

  @Test
  void expansionRomWithoutRomReadsZero() {
    write(conventional, 0x30, 4, 0xfffff800);
    assertThat(read(conventional, 0x30, 4)).isZero();
    write(conventional, 0x30, 4, 0xffffffff);
    assertThat(read(conventional, 0x30, 4)).isZero();
  }

  @Test
  void writesOnlyChangeWritableBits() {
    write(conventional, 0x04, 2, 0xffff);
    assertThat(read(conventional, 0x04, 2)).isEqualTo(0x0547);
    write(conventional, 0x00, 4, 0);
    assertThat(read(conventional, 0x00, 4)).isEqualTo(0x0005_1b36);
    write(conventional, 0x08, 4, 0);
    assertThat(read(conventional, 0x08, 4)).isEqualTo(0x1180_0010);
    write(conventional, 0x3c, 2, 0xffff);
    assertThat(read(conventional, 0x3c, 1)).as("interrupt line RW").isEqualTo(0xff);
    assertThat(read(conventional, 0x3d, 1)).as("interrupt pin RO").isEqualTo(1);
    int pm = cap(conventional, CapabilityLocation.PM, false);
    write(conventional, pm, 4, 0);
    assertThat(read(conventional, pm, 1)).as("capability header RO").isEqualTo(CapabilityLocation.PM);
  }

  @Test
  void statusErrorBitsAreWriteOneToClear() {
    conventional.recordStatusErrors(0x2000 | 0x0800);
    assertThat(read(conventional, 0x06, 2)).isEqualTo(0x2810);
    write(conventional, 0x06, 2, 0x0000);
    assertThat(read(conventional, 0x06, 2)).as("writing 0 keeps them").isEqualTo(0x2810);
    write(conventional, 0x06, 2, 0x2000 | 0x0010 | 0x0008);
    assertThat(read(conventional, 0x06, 2)).as("only the written 1 clears; RO bits stay").isEqualTo(0x0810);
    write(conventional, 0x06, 2, 0xffff);
    assertThat(read(conventional, 0x06, 2)).isEqualTo(0x0010);
  }

  @Test
  void aerStatusIsWriteOneToClearAndMasksAreReadWrite() {
    int aer = cap(express, CapabilityLocation.AER, true);
    express.recordUncorrectableErrors(1 << 14 | 1 << 20);
    express.recordCorrectableErrors(1 << 6);
    write(express, aer + 4, 4, 1 << 14);
    assertThat(read(express, aer + 4, 4)).isEqualTo(1 << 20);
    write(express, aer + 0x10, 4, 0xffffffff);
    assertThat(read(express, aer + 0x10, 4)).isZero();
    write(express, aer + 0x08, 4, 0xffffffff);
    assertThat(read(express, aer + 0x08, 4)).isEqualTo(0x07fff030);
    write(express, aer + 0x0c, 4, 0);
    assertThat(read(express, aer + 0x0c, 4)).isZero();
    write(express, aer + 0x18, 4, 0xffffffff);
    assertThat(read(express, aer + 0x18, 4)).as("ECRC enables writable because capable").isEqualTo(0x1e0);
  }

  @Test
  void accessesMaySpanRegisters() {
    write(conventional, 0x04, 4, 0xffff_0006);
    assertThat(read(conventional, 0x04, 4)).isEqualTo(0x0010_0006);
    write(conventional, 0x0c, 4, 0xffffffff);
    assertThat(read(conventional, 0x0c, 4)).as("cache line and latency timer RW, header type and BIST RO")
        .isEqualTo(0x0000ffff);
    write(conventional, 0x3b, 2, 0x5aff);
    assertThat(read(conventional, 0x3c, 2)).isEqualTo(0x015a);
    assertThat(read(conventional, 0x05, 2)).as("unaligned read across Command and Status").isEqualTo(0x1000);
  }

  @Test
  void aWriteMaySpanTwoCapabilities() {
    express.addListener(events);
    int msi = cap(express, CapabilityLocation.MSI, false);
    int msix = cap(express, CapabilityLocation.MSIX, false);
    assertThat(msix).isEqualTo(msi + 0x18);
    // 8 bytes from the MSI pending bits (RO) over the MSI-X header (RO) into MSI-X control.
    ByteBuffer span = ByteBuffer.wrap(new byte[] {-1, -1, -1, -1, 0, 0, 0, (byte) 0xc0});
    express.write(msi + 0x14, span);
    assertThat(read(express, msi + 0x14, 4)).isZero();
    assertThat(read(express, msix, 2)).isEqualTo(CapabilityLocation.MSIX | (msix + 12) << 8);
    assertThat(express.msixEnabled()).isTrue();
    assertThat(express.msixFunctionMasked()).isTrue();
    assertThat(events.take()).containsExactly("msix true masked true");
  }

  @Test
  void commandChangesAreReported() {
    conventional.addListener(events);
    write(conventional, 0x04, 2, ConfigSpace.CMD_MEMORY | ConfigSpace.CMD_BUS_MASTER);
    write(conventional, 0x04, 2, ConfigSpace.CMD_MEMORY | ConfigSpace.CMD_BUS_MASTER);
    write(conventional, 0x04, 2, ConfigSpace.CMD_INTX_DISABLE);
    assertThat(events.take()).containsExactly("command 0000->0006", "command 0006->0400");
    assertThat(conventional.intxDisabled()).isTrue();
    assertThat(conventional.busMasterEnabled()).isFalse();
  }

  @Test
  void interruptStatusMirrorsTheIntxLevel() {
    conventional.setInterruptStatus(true);
    assertThat(read(conventional, 0x06, 2)).isEqualTo(0x0018);
    write(conventional, 0x06, 2, 0xffff);
    assertThat(read(conventional, 0x06, 2)).as("RO to the guest").isEqualTo(0x0018);
    conventional.setInterruptStatus(false);
    assertThat(read(conventional, 0x06, 2)).isEqualTo(0x0010);
  }

  @Test
  void powerManagementIgnoresUnsupportedStatesAndResetsOnD3HotToD0() {
    conventional.addListener(events);
    int control = cap(conventional, CapabilityLocation.PM, false) + 4;
    write(conventional, control, 2, 2); // D2 not supported
    assertThat(conventional.powerState()).isZero();
    write(conventional, control, 2, 1); // D1 supported
    assertThat(conventional.powerState()).isEqualTo(1);
    write(conventional, control, 2, 3);
    assertThat(conventional.powerState()).isEqualTo(3);
    assertThat(events.take()).isEmpty();
    write(conventional, control, 2, 0);
    assertThat(events.take()).containsExactly("reset POWER_STATE");
  }

  @Test
  void noSoftResetKeepsStateOnD3HotToD0() {
    ConfigSpace keeps = TestDevices.space(ConfigSpaceBuilder.pci(1, 2).powerManagement(false, false, true, 0));
    keeps.addListener(events);
    write(keeps, 0x44, 2, 3);
    write(keeps, 0x44, 2, 0);
    assertThat(events.take()).isEmpty();
    assertThat(read(keeps, 0x44, 2)).isEqualTo(0x0008);
  }

  @Test
  void pmeStatusIsWriteOneToClearWhenPmeIsSupported() {
    int control = cap(express, CapabilityLocation.PM, false) + 4;
    write(express, control, 2, 0x0100);
    express.signalPme();
    assertThat(read(express, control, 2)).isEqualTo(0x8100);
    write(express, control, 2, 0x8000);
    assertThat(read(express, control, 2)).as("PME_Status cleared, PME_En cleared by the same write").isZero();
  }

  @Test
  void msiClampsMultipleMessageEnableAndDeliversPendingOnUnmask() {
    express.addListener(events);
    int msi = cap(express, CapabilityLocation.MSI, false);
    write(express, msi + 4, 4, 0xfee00000);
    write(express, msi + 0xc, 2, 0x4120);
    write(express, msi + 0x10, 4, 0b0010);
    write(express, msi + 2, 2, 0x0071); // enable, ask for 128 vectors; 4 are capable
    assertThat(read(express, msi + 2, 2) & 0x70).isEqualTo(0x20);
    assertThat(express.msiVectors()).isEqualTo(4);
    assertThat(express.msiAddress()).isEqualTo(0xfee00000L);
    assertThat(express.msiData(3)).isEqualTo(0x4123);
    assertThat(express.msiVectorMasked(1)).isTrue();
    express.setMsiPending(1, true);
    assertThat(read(express, msi + 0x14, 4)).isEqualTo(0b0010);
    events.take();
    write(express, msi + 0x10, 4, 0);
    assertThat(events.take()).containsExactly("msi true", "msi unmasked 1");
    assertThat(read(express, msi + 0x14, 4)).isZero();
  }

  @Test
  void initiateFlrSelfClearsAndRequestsAReset() {
    express.addListener(events);
    int devctl = cap(express, CapabilityLocation.PCI_EXPRESS, false) + 8;
    assertThat(express.flrCapable()).isTrue();
    write(express, devctl, 2, 0x8000 | 0x2810 | 0x000f);
    assertThat(read(express, devctl, 2)).isEqualTo(0x281f);
    assertThat(events.take()).containsExactly("reset FLR");
  }

  @Test
  void initiateFlrWithoutTheCapabilityDoesNothing() {
    ConfigSpace noFlr = TestDevices.space(ConfigSpaceBuilder.express(1, 2)
        .pciExpress(0, 128, false, false, 0, false, false, false, 1, 1));
    noFlr.addListener(events);
    int devctl = noFlr.template().find(CapabilityLocation.PCI_EXPRESS, false).offset() + 8;
    write(noFlr, devctl, 2, 0xa810);
    assertThat(read(noFlr, devctl, 2)).isEqualTo(0x2810);
    assertThat(events.take()).isEmpty();
  }

  @Test
  void deviceStatusErrorsAreWriteOneToClear() {
    int devsta = cap(express, CapabilityLocation.PCI_EXPRESS, false) + 0xa;
    write(express, devsta, 2, 0xffff);
    assertThat(read(express, devsta, 2)).isZero();
  }

  /** The order Linux's IOMMU drivers use: PASID, then ATS, then PRI (reset, allocation, enable). */
  @Test
  void enablesAtsPriAndPasidInLinuxOrder() {
    express.addListener(events);
    int ats = cap(express, CapabilityLocation.ATS, true);
    int pri = cap(express, CapabilityLocation.PRI, true);
    int pasid = cap(express, CapabilityLocation.PASID, true);

    write(express, pasid + 6, 2, 0x0007);
    assertThat(express.iommuEnables()).isEqualTo(new IommuEnables(false, 0, false, 0, true, true, true));
    write(express, ats + 6, 2, 0x8000 | 3); // 32 KiB STU
    assertThat(express.iommuEnables().atsEnabled()).isTrue();
    assertThat(express.iommuEnables().stuBytes()).isEqualTo(32 * 1024);

    assertThat(read(express, pri + 6, 2) & 0x0100).as("Stopped while disabled").isEqualTo(0x0100);
    assertThat(read(express, pri + 6, 2) & 0x8000).as("PRG Response PASID Required").isEqualTo(0x8000);
    write(express, pri + 4, 2, 0x0002);
    assertThat(read(express, pri + 4, 2)).as("Reset reads 0").isZero();
    int capacity = read(express, pri + 8, 4);
    write(express, pri + 8, 4, 0);
    assertThat(read(express, pri + 8, 4)).as("capacity RO").isEqualTo(capacity).isEqualTo(64);
    write(express, pri + 0xc, 4, Math.min(32, capacity));
    write(express, pri + 4, 2, 0x0001);
    assertThat(read(express, pri + 6, 2) & 0x0100).as("Stopped clear while enabled").isZero();
    assertThat(express.iommuEnables()).isEqualTo(new IommuEnables(true, 3, true, 32, true, true, true));
    assertThat(events.take()).containsExactly(
        "iommu IommuEnables[atsEnabled=false, stu=0, priEnabled=false, priAllocation=0, pasidEnabled=true, pasidExecute=true, pasidPrivileged=true]",
        "iommu IommuEnables[atsEnabled=true, stu=3, priEnabled=false, priAllocation=0, pasidEnabled=true, pasidExecute=true, pasidPrivileged=true]",
        "iommu IommuEnables[atsEnabled=true, stu=3, priEnabled=false, priAllocation=32, pasidEnabled=true, pasidExecute=true, pasidPrivileged=true]",
        "iommu IommuEnables[atsEnabled=true, stu=3, priEnabled=true, priAllocation=32, pasidEnabled=true, pasidExecute=true, pasidPrivileged=true]");
  }

  @Test
  void pasidEnablesOnlyWhatIsSupported() {
    ConfigSpace plain = TestDevices.space(ConfigSpaceBuilder.express(1, 2)
        .pciExpress(0, 128, false, false, 0, false, false, false, 1, 1).pasid(20, false, false));
    int pasid = plain.template().find(CapabilityLocation.PASID, true).offset();
    write(plain, pasid + 6, 2, 0xffff);
    assertThat(read(plain, pasid + 6, 2)).isEqualTo(1);
    assertThat(read(plain, pasid + 4, 2)).isEqualTo(20 << 8);
  }

  @Test
  void priStoppedWaitsForOutstandingRequestsAndResetClearsStatus() {
    int pri = cap(express, CapabilityLocation.PRI, true);
    write(express, pri + 4, 2, 0x0001);
    express.setPriRequestsOutstanding(true);
    express.setPriResponseFailure();
    express.setPriUnexpectedGroupIndex();
    assertThat(read(express, pri + 6, 2) & 0x01ff).isEqualTo(0x0003);

    write(express, pri + 4, 2, 0x0003); // Reset while staying enabled: ignored
    assertThat(read(express, pri + 6, 2) & 0x01ff).isEqualTo(0x0003);

    write(express, pri + 4, 2, 0x0000); // disable: requests still outstanding
    assertThat(read(express, pri + 6, 2) & 0x0100).isZero();
    express.setPriRequestsOutstanding(false);
    assertThat(read(express, pri + 6, 2) & 0x0100).isEqualTo(0x0100);

    write(express, pri + 6, 2, 0x0002); // UPRGI is RW1C
    assertThat(read(express, pri + 6, 2) & 0x01ff).isEqualTo(0x0101);
    write(express, pri + 6, 2, 0x0100); // Stopped is RO
    assertThat(read(express, pri + 6, 2) & 0x01ff).isEqualTo(0x0101);
    write(express, pri + 4, 2, 0x0002); // Reset while disabled clears Response Failure
    assertThat(read(express, pri + 6, 2) & 0x01ff).isEqualTo(0x0100);
  }

  @Test
  void resetRestoresTheImageAndReportsDroppedIommuEnables() {
    express.addListener(events);
    byte[] before = TestDevices.snapshot(express);
    int ats = cap(express, CapabilityLocation.ATS, true);
    write(express, ats + 6, 2, 0x8000);
    write(express, 0x04, 2, 0x0006);
    write(express, 0x3c, 1, 11);
    events.take();
    express.reset();
    assertThat(TestDevices.snapshot(express)).isEqualTo(before);
    assertThat(express.iommuEnables()).isEqualTo(IommuEnables.DISABLED);
    assertThat(events.take()).containsExactly("iommu " + IommuEnables.DISABLED);
  }

  @Test
  void flrKeepsStickyBitsAndDeviceResetClearsThem() {
    int aer = cap(express, CapabilityLocation.AER, true);
    int pmControl = cap(express, CapabilityLocation.PM, false) + 4;
    express.recordUncorrectableErrors(1 << 14);
    write(express, aer + 8, 4, 1 << 20);
    write(express, pmControl, 2, 0x0103); // PME_En, D3hot
    write(express, 0x04, 2, 0x0006);
    express.reset(ResetReason.FLR);
    assertThat(read(express, aer + 4, 4)).isEqualTo(1 << 14);
    assertThat(read(express, aer + 8, 4)).isEqualTo(1 << 20);
    assertThat(read(express, pmControl, 2)).as("PME_En kept, D0").isEqualTo(0x0100);
    assertThat(express.command()).isZero();
    express.reset(ResetReason.DEVICE_RESET);
    assertThat(read(express, aer + 4, 4)).isZero();
    assertThat(read(express, aer + 8, 4)).isZero();
    assertThat(read(express, pmControl, 2)).isZero();
  }

  @Test
  void layoutListsBarsByIndex() {
    var layout = ConfigSpaceBuilder.pci(1, 2).bar(TestDevices.IO_32).bar(TestDevices.MEM32_1M).layout(List.of());
    assertThat(layout.bars()).containsExactly(TestDevices.MEM32_1M, TestDevices.IO_32);
    assertThat(layout.config().image()).hasSize(256);
  }

  @Test
  void recordedErrorsSetDeviceStatusBySeverity() {
    int pcie = cap(express, CapabilityLocation.PCI_EXPRESS, false);
    int aer = cap(express, CapabilityLocation.AER, true);
    write(express, aer + 0x0c, 4, 1 << 14); // completion timeout fatal
    express.recordUncorrectableErrors(1 << 14);
    assertThat(read(express, pcie + 0x0a, 2) & 0xf).as("Fatal Error Detected").isEqualTo(0x4);
    express.recordUncorrectableErrors(1 << 20);
    assertThat(read(express, pcie + 0x0a, 2) & 0xf).as("+ Non-Fatal, Unsupported Request").isEqualTo(0xe);
    express.recordCorrectableErrors(1 << 6);
    assertThat(read(express, pcie + 0x0a, 2) & 0xf).isEqualTo(0xf);
    write(express, pcie + 0x0a, 2, 0xf);
    assertThat(read(express, pcie + 0x0a, 2) & 0xf).isZero();
    express.recordCorrectableErrors(1 << 1); // undefined bit: nothing
    assertThat(read(express, pcie + 0x0a, 2) & 0xf).isZero();
  }
}

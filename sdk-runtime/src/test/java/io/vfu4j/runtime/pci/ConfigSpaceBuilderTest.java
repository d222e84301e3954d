package io.vfu4j.runtime.pci;

import static io.vfu4j.runtime.pci.TestDevices.read;
import static io.vfu4j.runtime.pci.TestDevices.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.api.Bar;
import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.CapabilityLocation;
import io.vfu4j.runtime.spi.ConfigSpaceTemplate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ConfigSpaceBuilderTest {

  @Test
  void headerCarriesIdsClassAndPin() {
    byte[] image = TestDevices.conventional().build().image();
    assertThat(LittleEndian.u32(image, 0)).isEqualTo(0x0005_1b36);
    assertThat(LittleEndian.u32(image, 8)).isEqualTo(0x1180_0010);
    assertThat(LittleEndian.u32(image, 0x2c)).isEqualTo(0x1100_1af4);
    assertThat(image[0x3d]).isEqualTo((byte) 1);
    assertThat(image[0x0e]).isEqualTo((byte) 0);
    assertThat(LittleEndian.u16(image, 6) & 0x10).as("capability list bit").isEqualTo(0x10);
    assertThat(LittleEndian.u32(image, 0x10)).as("32-bit memory BAR type").isZero();
    assertThat(LittleEndian.u32(image, 0x18)).as("64-bit prefetchable BAR type").isEqualTo(0xc);
    assertThat(LittleEndian.u32(image, 0x20)).as("I/O BAR type").isEqualTo(1);
  }

  @Test
  void withoutCapabilitiesTheListBitAndPointerAreClear() {
    byte[] image = ConfigSpaceBuilder.pci(0x1af4, 0x1000).build().image();
    assertThat(image[6] & 0x10).isZero();
    assertThat(image[0x34]).isZero();
  }

  @Test
  void expressWithoutExtendedCapabilitiesHasZeroAt0x100() {
    ConfigSpaceTemplate t = ConfigSpaceBuilder.express(1, 2).pciExpress(0, 128, false, false, 0, false, false, false, 1, 1).build();
    assertThat(t.image()).hasSize(4096);
    assertThat(LittleEndian.u32(t.image(), 0x100)).isZero();
  }

  @Test
  void capabilitiesFollowTheFixedOrderWhateverTheCallOrder() {
    ConfigSpaceTemplate t = ConfigSpaceBuilder.express(1, 2)
        .pasid(8, false, false).vendor(new byte[1]).pri(1, false).serialNumber(5).ats(0, false, false)
        .aer(0, false, false).pciExpress(0, 128, false, false, 0, false, false, false, 1, 1)
        .bar(new BarLayout(0, 4096, Bar.Type.MEMORY32, false)).msix(1, 0, 0, 0, 0x800).msi(1, false, false)
        .powerManagement(false, false, true, 0)
        .build();
    assertThat(t.capabilities()).extracting(CapabilityLocation::id).containsExactly(
        CapabilityLocation.PM, CapabilityLocation.MSI, CapabilityLocation.MSIX, CapabilityLocation.PCI_EXPRESS,
        CapabilityLocation.VENDOR, CapabilityLocation.AER, CapabilityLocation.DSN, CapabilityLocation.ATS,
        CapabilityLocation.PRI, CapabilityLocation.PASID);
    assertThat(t.capabilities().getFirst().offset()).isEqualTo(0x40);
    assertThat(t.find(CapabilityLocation.AER, true).offset()).isEqualTo(0x100);
  }

  /** Walks both chains in the image the way Linux does and compares them with the recorded locations. */
  @Test
  void chainsInTheImageMatchTheRecordedLocations() {
    ConfigSpaceTemplate t = TestDevices.express().build();
    byte[] image = t.image();
    List<CapabilityLocation> walked = new ArrayList<>();
    for (int off = image[0x34] & 0xfc; off != 0; off = image[off + 1] & 0xfc) {
      assertThat(off).isBetween(0x40, 0xfc);
      int at = off;
      walked.add(t.capabilities().stream().filter(c -> !c.extended() && c.offset() == at).findFirst().orElseThrow());
    }
    for (int off = 0x100; off != 0; off = LittleEndian.u32(image, off) >>> 20) {
      assertThat(off % 4).isZero();
      int header = LittleEndian.u32(image, off);
      int at = off;
      CapabilityLocation cap = t.capabilities().stream().filter(c -> c.extended() && c.offset() == at).findFirst().orElseThrow();
      assertThat(header & 0xffff).isEqualTo(cap.id());
      walked.add(cap);
    }
    assertThat(walked).containsExactlyElementsOf(t.capabilities());
    for (CapabilityLocation cap : t.capabilities()) {
      if (!cap.extended()) {
        assertThat(image[cap.offset()] & 0xff).as("ID at 0x%x", cap.offset()).isEqualTo(cap.id());
      }
    }
  }

  @Test
  void rejectsBadArgumentsNamingTheItem() {
    assertThatThrownBy(() -> ConfigSpaceBuilder.pci(1, 2).msi(3, false, false).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MSI vectors 3");
    assertThatThrownBy(() -> ConfigSpaceBuilder.pci(1, 2).bar(TestDevices.MEM32_1M).msix(0, 0, 0, 0, 0x800).build())
        .hasMessageContaining("MSI-X vectors 0");
    assertThatThrownBy(() -> ConfigSpaceBuilder.pci(1, 2).msix(4, 1, 0, 1, 0x800).build())
        .hasMessageContaining("BAR1, which is not declared");
    assertThatThrownBy(() -> ConfigSpaceBuilder.pci(1, 2).bar(new BarLayout(0, 64, Bar.Type.MEMORY32, false))
        .msix(4, 0, 0, 0, 0x40).build())
        .hasMessageContaining("PBA").hasMessageContaining("enlarge the BAR");
    assertThatThrownBy(() -> ConfigSpaceBuilder.pci(1, 2).pasid(4, false, false).build())
        .hasMessageContaining("PASID is PCI Express only");
    assertThatThrownBy(() -> ConfigSpaceBuilder.pci(1, 2).ats(0, true, false).build())
        .hasMessageContaining("ATS is PCI Express only");
    assertThatThrownBy(() -> expressEndpoint().pasid(21, false, false).build())
        .hasMessageContaining("PASID width 21");
    assertThatThrownBy(() -> expressEndpoint().pasid(0, false, false).build())
        .hasMessageContaining("PASID width 0");
    assertThatThrownBy(() -> expressEndpoint().pri(8, false).build()).hasMessageContaining("PRI needs ATS");
    assertThatThrownBy(() -> ConfigSpaceBuilder.express(1, 2).build()).hasMessageContaining("@PciExpress");
    assertThatThrownBy(() -> ConfigSpaceBuilder.pci(1, 2).vendor(new byte[250]).build())
        .hasMessageContaining("vendor capability data of 250 bytes");
    assertThatThrownBy(() -> ConfigSpaceBuilder.pci(1, 2).vendor(new byte[100]).vendor(new byte[100]).build())
        .hasMessageContaining("only 192 fit");
    assertThatThrownBy(() -> ConfigSpaceBuilder.pci(1, 2).bar(new BarLayout(5, 4096, Bar.Type.MEMORY64, false)).build())
        .hasMessageContaining("64-bit BAR5");
    assertThatThrownBy(() -> ConfigSpaceBuilder.pci(1, 2).bar(new BarLayout(0, 4096, Bar.Type.MEMORY64, false))
        .bar(new BarLayout(1, 4096, Bar.Type.MEMORY32, false)).build())
        .hasMessageContaining("BAR1");
    assertThatThrownBy(() -> ConfigSpaceBuilder.pci(1, 2).interruptPin(5).build()).hasMessageContaining("interrupt pin 5");
    assertThatThrownBy(() -> expressEndpointWith(3).build()).hasMessageContaining("device type 3");
  }

  private static ConfigSpaceBuilder expressEndpoint() {
    return expressEndpointWith(0);
  }

  private static ConfigSpaceBuilder expressEndpointWith(int type) {
    return ConfigSpaceBuilder.express(1, 2).pciExpress(type, 256, false, false, 0, false, false, false, 1, 1);
  }

  @Test
  @Timeout(30)
  void lspciDecodesTheConventionalDevice() {
    ConfigSpace config = TestDevices.space(TestDevices.conventional());
    write(config, 0x10, 4, 0xfe000000);
    write(config, 0x18, 4, 0xfd000000);
    write(config, 0x1c, 4, 0x00000000);
    write(config, 0x20, 4, 0x0000c000);
    write(config, 0x04, 2, 0x0007);
    String text = Lspci.decode(TestDevices.snapshot(config));
    assertThat(text)
        .contains("00:04.0 Signal processing controller [1180]")
        .contains("(rev 10)")
        .contains("Subsystem: ", "[1af4:1100]")
        .contains("Control: I/O+ Mem+ BusMaster+")
        .contains("Status: Cap+")
        .contains("Interrupt: pin A")
        .contains("Region 0: Memory at fe000000 (32-bit, non-prefetchable)")
        .contains("Region 2: Memory at fd000000 (64-bit, prefetchable)")
        .contains("Region 4: I/O ports at c000")
        .contains("Capabilities: [40] Power Management version 3")
        .contains("D1+ D2-")
        .contains("NoSoftRst-")
        .contains("Capabilities: [48] MSI: Enable- Count=1/1 Maskable- 64bit+")
        .doesNotContain("Express")
        .doesNotContain("Advanced Error Reporting");
    assertThat(read(config, 0x18, 4)).isEqualTo(0xfd00000c);
  }

  @Test
  @Timeout(30)
  void lspciDecodesTheExpressEndpointWithEveryCapability() {
    String text = Lspci.decode(TestDevices.express().build().image());
    assertThat(text)
        .contains("Ethernet controller [0200]: ", "[1234:11e8] (rev 01)")
        .contains("Capabilities: [40] Power Management version 3")
        .contains("PME(D0+,D1-,D2-,D3hot+,D3cold+)")
        .contains("MSI: Enable- Count=1/4 Maskable+ 64bit+")
        .contains("MSI-X: Enable- Count=16 Masked-")
        .contains("Vector table: BAR=2 offset=00000000")
        .contains("PBA: BAR=2 offset=00000800")
        .contains("Express (v2) Endpoint, MSI 00")
        .contains("MaxPayload 512 bytes")
        .contains("FLReset+")
        .contains("ExtTag+")
        .contains("Speed 5GT/s, Width x4")
        .contains("EETLPPrefix+")
        .contains("TimeoutDis+")
        .contains("Vendor Specific Information: Len=08")
        .contains("[100 v2] Advanced Error Reporting")
        .contains("ECRCGenCap+ ECRCGenEn- ECRCChkCap+ ECRCChkEn-")
        .contains("AdvNonFatalErr+")
        .contains("Device Serial Number 01-23-45-67-89-ab-cd-ef")
        .contains("Address Translation Service (ATS)")
        .contains("Invalidate Queue Depth: 04")
        .contains("Page Request Interface (PRI)")
        .contains("PRISta: RF- UPRGI- Stopped+")
        .contains("Page Request Capacity: 00000040, Page Request Allocation: 00000000")
        .contains("Process Address Space ID (PASID)")
        .contains("PASIDCap: Exec+ Priv+, Max PASID Width: 10")
        .contains("PASIDCtl: Enable- Exec- Priv-");
  }
}

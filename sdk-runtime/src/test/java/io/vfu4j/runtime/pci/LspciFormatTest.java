package io.vfu4j.runtime.pci;

import static io.vfu4j.runtime.pci.TestDevices.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.runtime.spi.CapabilityLocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LspciFormatTest {

  @Test
  void writesTheDeviceLineAndSixteenBytesALine() {
    byte[] config = new byte[256];
    config[0] = 0x34;
    config[1] = 0x12;
    config[0x0b] = 0x02;
    config[0xff] = (byte) 0xab;
    String[] lines = LspciFormat.dump("01:02.3", config).split("\n");
    assertThat(lines[0]).isEqualTo("01:02.3 Class 0200: Device 1234:0000");
    assertThat(lines[1]).isEqualTo("00: 34 12 00 00 00 00 00 00 00 00 00 02 00 00 00 00");
    assertThat(lines).hasSize(17);
    assertThat(lines[16]).startsWith("f0: ").endsWith(" 00 ab");
  }

  @Test
  void extendedSpaceUsesThreeDigitOffsets() {
    String[] lines = LspciFormat.dump(new byte[4096]).split("\n");
    assertThat(lines).hasSize(257);
    assertThat(lines[256]).startsWith("ff0: ");
  }

  @Test
  void rejectsLengthsLspciCannotRead() {
    assertThatThrownBy(() -> LspciFormat.dump(new byte[100])).hasMessageContaining("100");
  }

  /** After the guest enables things the Linux way, lspci sees them enabled. */
  @Test
  @Timeout(30)
  void lspciSeesTheStateTheGuestProgrammed() {
    ConfigSpace config = TestDevices.space(TestDevices.express());
    int pasid = config.template().find(CapabilityLocation.PASID, true).offset();
    int ats = config.template().find(CapabilityLocation.ATS, true).offset();
    int pri = config.template().find(CapabilityLocation.PRI, true).offset();
    int msix = config.template().find(CapabilityLocation.MSIX, false).offset();
    write(config, pasid + 6, 2, 0x0003);
    write(config, ats + 6, 2, 0x8003);
    write(config, pri + 0xc, 4, 32);
    write(config, pri + 4, 2, 0x0001);
    write(config, msix + 2, 2, 0xc000);
    write(config, 0x04, 2, 0x0406);
    String text = Lspci.decode(TestDevices.snapshot(config));
    assertThat(text)
        .contains("Control: I/O- Mem+ BusMaster+", "DisINTx+")
        .contains("MSI-X: Enable+ Count=16 Masked+")
        .contains("ATSCtl:\tEnable+, Smallest Translation Unit: 03")
        .contains("PRICtl: Enable+ Reset-")
        .contains("PRISta: RF- UPRGI- Stopped-")
        .contains("Page Request Allocation: 00000020")
        .contains("PASIDCtl: Enable+ Exec+ Priv-");
  }
}

package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.api.ResetReason;
import io.vfu4j.runtime.irq.IrqFlags;
import io.vfu4j.runtime.pci.ConfigSpaceBuilder;
import io.vfu4j.runtime.pci.Lspci;
import io.vfu4j.runtime.sys.EventFd;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A conventional PCI function (PM, MSI, INTA, a BAR of each kind) driven through the real socket. */
@Timeout(30)
class ConventionalPciSocketTest extends PciSocketFixture {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @Override
  ConfigSpaceBuilder builder() {
    return ConfigSpaceBuilder.pci(0x1b36, 0x0005).subsystem(0x1af4, 0x1100).classCode(0x118000).revision(0x10)
        .interruptPin(1)
        .bar(MEM32_1M).bar(MEM64_PREF_64K).bar(IO_32)
        .powerManagement(true, false, false, 0)
        .msi(1, true, false);
  }

  /** Writes all ones, reads the size mask, restores: as a guest kernel sizes a BAR. */
  private int size(int offset) throws Exception {
    int saved = c.config32(offset);
    c.writeConfig32(offset, 0xffffffff);
    int mask = c.config32(offset);
    c.writeConfig32(offset, saved);
    assertThat(c.config32(offset)).as("BAR at 0x%x restored", offset).isEqualTo(saved);
    return mask;
  }

  @Test
  void barSizingOfEveryKind() throws Exception {
    assertThat(size(0x10)).as("32-bit memory, 1 MiB").isEqualTo(0xfff00000);
    assertThat(size(0x18)).as("64-bit prefetchable, 64 KiB, low").isEqualTo(0xffff000c);
    assertThat(size(0x1c)).as("64-bit, high dword").isEqualTo(0xffffffff);
    assertThat(size(0x20)).as("I/O, 32 bytes").isEqualTo(0xffffffe1);
    assertThat(size(0x14)).as("unimplemented BAR1").isZero();
    assertThat(size(0x24)).as("unimplemented BAR5").isZero();
    assertThat(size(0x30)).as("no expansion ROM").isZero();
    assertThat(c.regionInfo(0).info().size()).isEqualTo(1 << 20);
    assertThat(c.regionInfo(2).info().size()).isEqualTo(1 << 16);
    assertThat(c.regionInfo(4).info().size()).isEqualTo(32);
    // an assigned address reads back above the size bits
    c.writeConfig32(0x10, 0xfeb00000);
    c.writeConfig32(0x18, 0x00010000);
    c.writeConfig32(0x1c, 0x00000002);
    assertThat(c.config32(0x10)).isEqualTo(0xfeb00000);
    assertThat(c.read(CONFIG, 0x18, 8)).isEqualTo(0x2_0001_000cL);
  }

  @Test
  void readOnlyBitsIgnoreWrites() throws Exception {
    byte[] before = c.readRegion(CONFIG, 0, 256);
    c.writeConfig32(0x00, 0);          // IDs
    c.writeConfig32(0x08, 0xffffffff); // revision, class
    c.writeConfig8(0x0e, 0x80);        // header type
    c.writeConfig32(0x2c, 0);          // subsystem
    c.writeConfig8(0x34, 0x80);        // capability pointer
    c.writeConfig8(0x3d, 4);           // interrupt pin
    c.writeConfig16(0x06, 0x0010 ^ 0xffff); // Status: no bit is RW, cap list stays
    byte[] after = c.readRegion(CONFIG, 0, 256);
    assertThat(after).containsExactly(before);

    c.writeConfig16(0x04, 0xffff);
    assertThat(c.config16(0x04)).as("Command: I/O, mem, master, parity, SERR, INTx disable").isEqualTo(0x0547);
    c.writeConfig8(0x3c, 0x5b);
    assertThat(c.config8(0x3c)).as("interrupt line is RW").isEqualTo(0x5b);
  }

  @Test
  void statusErrorBitsAreWriteOneToClear() throws Exception {
    onDeviceThread(() -> {
      server.host().config().recordStatusErrors(0x2000 | 0x0100); // Received Master Abort, Master Data Parity
      return null;
    });
    assertThat(c.config16(0x06) & 0xf900).isEqualTo(0x2100);
    c.writeConfig16(0x06, 0x0000);
    assertThat(c.config16(0x06) & 0xf900).as("writing 0 clears nothing").isEqualTo(0x2100);
    c.writeConfig16(0x06, 0x2000);
    assertThat(c.config16(0x06) & 0xf900).as("writing 1 clears only that bit").isEqualTo(0x0100);
    // a dword write at Command spans Command and Status: sets command bits, clears status bits
    c.writeConfig32(0x04, 0x0100_0006);
    assertThat(c.config16(0x04)).isEqualTo(0x0006);
    assertThat(c.config16(0x06) & 0xf900).isZero();
    assertThat(c.config16(0x06) & 0x0010).as("capability list stays").isEqualTo(0x0010);
  }

  @Test
  void everyAccessSizeAtEveryAlignedOffsetAgreesWithDwordReads() throws Exception {
    byte[] dwords = new byte[256];
    for (int at = 0; at < 256; at += 4) {
      int v = c.config32(at);
      for (int i = 0; i < 4; i++) {
        dwords[at + i] = (byte) (v >>> (8 * i));
      }
    }
    for (int at = 0; at < 256; at++) {
      assertThat((byte) c.config8(at)).as("byte at 0x%x", at).isEqualTo(dwords[at]);
    }
    for (int at = 0; at < 256; at += 2) {
      assertThat(c.config16(at)).as("word at 0x%x", at).isEqualTo((dwords[at] & 0xff) | (dwords[at + 1] & 0xff) << 8);
    }
    assertThat(c.readRegion(CONFIG, 0, 256)).containsExactly(dwords);
    // one access that runs from the PM capability into the MSI capability
    Map<Integer, Integer> caps = standardCapabilities();
    int msi = caps.get(0x05);
    byte[] span = c.readRegion(CONFIG, msi - 4, 12);
    for (int i = 0; i < 12; i++) {
      assertThat(span[i]).isEqualTo(dwords[msi - 4 + i]);
    }
  }

  @Test
  void writesSpanningTwoRegistersApplyEachRegistersMask() throws Exception {
    int msi = standardCapabilities().get(0x05);
    // Message Control (upper half of the header dword) and the address: one 8-byte write
    byte[] data = {0x05, 0x00, 0x01, 0x00, (byte) 0x03, 0x10, (byte) 0xe0, (byte) 0xfe};
    c.writeRegion(CONFIG, msi, data);
    assertThat(c.config8(msi)).as("capability ID is RO").isEqualTo(0x05);
    assertThat(c.config8(msi + 1)).as("next pointer is RO").isZero();
    assertThat(c.config16(msi + 2) & 1).as("MSI Enable written").isEqualTo(1);
    assertThat(c.config32(msi + 4)).as("address bits 1:0 are RO zero").isEqualTo(0xfee01000);
  }

  @Test
  void capabilityWalkFindsPmThenMsi() throws Exception {
    Map<Integer, Integer> caps = standardCapabilities();
    assertThat(caps.keySet()).containsExactly(0x01, 0x05);
    assertThat(caps.get(0x01)).isEqualTo(0x40);
    for (int offset : caps.values()) {
      assertThat(offset % 4).isZero();
      assertThat(offset).isBetween(0x40, 0xfc);
    }
    assertThat(c.config16(caps.get(0x01) + 2) & 0x7).as("PM version 3").isEqualTo(3);
    assertThat(c.regionInfo(CONFIG).info().size()).isEqualTo(256);
  }

  @Test
  void msiEnableThenRaiseFiresTheEventfd() throws Exception {
    assertThat(c.irqInfo(IrqFlags.MSI).count()).isEqualTo(1);
    int msi = standardCapabilities().get(0x05);
    List<EventFd> fds = c.enableInterrupts(IrqFlags.MSI, 1);
    try (EventFd msiFd = fds.get(0)) {
      c.writeConfig32(msi + 4, 0xfee00000);
      c.writeConfig16(msi + 12, 0x4041);
      c.writeConfig16(msi + 2, c.config16(msi + 2) | 1);
      raise(0);
      assertThat(msiFd.await(WAIT)).isEqualTo(1);
      raise(0);
      raise(0);
      assertThat(msiFd.await(WAIT)).as("every raise is a message").isEqualTo(2);
      assertThat(c.config16(0x06) & 0x08).as("no INTx level with MSI").isZero();
    }
  }

  @Test
  void intxDisableHoldsTheInterruptAndClearingItTriggersAgain() throws Exception {
    try (EventFd intx = c.enableInterrupts(IrqFlags.INTX, 1).get(0)) {
      c.writeConfig16(0x04, 0x0400); // INTx disable
      raise(0);
      assertThat(intx.readCounter()).as("no trigger while Interrupt Disable is set").isZero();
      assertThat(c.config16(0x06) & 0x08).as("Status.Interrupt follows the level").isEqualTo(0x08);
      c.writeConfig16(0x04, 0x0000);
      assertThat(intx.await(WAIT)).as("re-triggered when cleared with the level up").isEqualTo(1);
      lower(0);
      assertThat(c.config16(0x06) & 0x08).isZero();
      // cleared again with the level down: nothing
      c.writeConfig16(0x04, 0x0400);
      c.writeConfig16(0x04, 0x0000);
      assertThat(intx.readCounter()).isZero();
    }
  }

  @Test
  void d3hotToD0WithoutNoSoftResetResetsTheFunction() throws Exception {
    int pm = standardCapabilities().get(0x01);
    c.writeConfig32(0x10, 0xfeb00000);
    c.writeConfig16(0x04, 0x0006);
    c.write(0, PciTestDevice.SCRATCH, 4, 0x1234);
    c.writeConfig16(pm + 4, 0x0003); // D3hot
    assertThat(c.config16(pm + 4) & 3).isEqualTo(3);
    assertThat(device().resets).isEmpty();
    c.writeConfig16(pm + 4, 0x0000); // D0
    assertThat(device().resets).containsExactly(ResetReason.POWER_STATE);
    assertThat(c.read(0, PciTestDevice.SCRATCH, 4)).isEqualTo(PciTestDevice.SCRATCH_RESET);
    assertThat(c.config32(0x10)).as("BAR back to its reset value").isZero();
    assertThat(c.config16(0x04)).isZero();
    assertThat(c.config16(pm + 4) & 3).isZero();
  }

  @Test
  void unsupportedD2IsIgnoredAndD1IsNoReset() throws Exception {
    int pm = standardCapabilities().get(0x01);
    c.writeConfig16(pm + 4, 0x0002); // D2 not advertised
    assertThat(c.config16(pm + 4) & 3).isZero();
    c.writeConfig16(pm + 4, 0x0001); // D1 advertised
    c.writeConfig16(pm + 4, 0x0000);
    assertThat(device().resets).isEmpty();
  }

  @Test
  void deviceResetAndClientLossGoThroughTheSameReset() throws Exception {
    c.writeConfig16(0x04, 0x0007);
    c.write(0, PciTestDevice.SCRATCH, 4, 0x77);
    c.reset();
    assertThat(device().resets).containsExactly(ResetReason.DEVICE_RESET);
    assertThat(c.config16(0x04)).isZero();
    assertThat(c.read(0, PciTestDevice.SCRATCH, 4)).isEqualTo(PciTestDevice.SCRATCH_RESET);

    c.writeConfig16(0x04, 0x0007);
    c.write(0, PciTestDevice.SCRATCH, 4, 0x88);
    c.close();
    c = io.vfu4j.host.VfioUserClient.open(server.socketPath()); // served after the reset for the old one
    assertThat(device().resets).containsExactly(ResetReason.DEVICE_RESET, ResetReason.CLIENT_LOST);
    assertThat(c.config16(0x04)).isZero();
    assertThat(c.read(0, PciTestDevice.SCRATCH, 4)).isEqualTo(PciTestDevice.SCRATCH_RESET);
  }

  @Test
  void resetDropsTheIntxLevel() throws Exception {
    raise(0);
    assertThat(c.config16(0x06) & 0x08).isEqualTo(0x08);
    c.reset();
    assertThat(c.config16(0x06) & 0x08).isZero();
  }

  @Test
  void lspciDecodesTheConfigSpaceReadOverTheSocket() throws Exception {
    int msi = standardCapabilities().get(0x05);
    c.writeConfig32(0x10, 0xfeb00000);
    c.writeConfig32(0x18, 0x00000000);
    c.writeConfig32(0x1c, 0x00000001);
    c.writeConfig32(0x20, 0x0000c040);
    c.writeConfig8(0x3c, 11);
    c.writeConfig16(0x04, 0x0007);
    c.writeConfig32(msi + 4, 0xfee00000);
    c.writeConfig16(msi + 2, c.config16(msi + 2) | 1);
    String text = Lspci.decode(c.readRegion(CONFIG, 0, 256));
    assertThat(text)
        .contains("[1b36:0005]")
        .contains("Subsystem: ", "[1af4:1100]")
        .contains("(rev 10)")
        .contains("Control: I/O+ Mem+ BusMaster+")
        .contains("Interrupt: pin A routed to IRQ 11")
        .contains("Region 0: Memory at feb00000 (32-bit, non-prefetchable)")
        .contains("Region 2: Memory at 100000000 (64-bit, prefetchable)")
        .contains("Region 4: I/O ports at c040")
        .contains("Capabilities: [40] Power Management version 3")
        .contains("Flags: PMEClk- DSI- D1+ D2-")
        .contains("MSI: Enable+ Count=1/1 Maskable- 64bit+")
        .contains("Address: 00000000fee00000");
  }
}

package io.vfu4j.runtime.pci;

import io.vfu4j.api.Bar;
import io.vfu4j.runtime.spi.BarLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Layouts the PCI tests share: a conventional PCI device and a PCIe endpoint with every capability. */
final class TestDevices {
  static final BarLayout MEM32_1M = new BarLayout(0, 1 << 20, Bar.Type.MEMORY32, false);
  static final BarLayout MEM64_PREF_64K = new BarLayout(2, 1 << 16, Bar.Type.MEMORY64, true);
  static final BarLayout IO_32 = new BarLayout(4, 32, Bar.Type.IO, false);
  static final long SERIAL = 0x0123456789abcdefL;

  private TestDevices() {}

  /** PM (D1, No_Soft_Reset-), MSI 1 vector 64-bit, INTA, a BAR of each kind. */
  static ConfigSpaceBuilder conventional() {
    return ConfigSpaceBuilder.pci(0x1b36, 0x0005).subsystem(0x1af4, 0x1100).classCode(0x118000).revision(0x10)
        .interruptPin(1)
        .bar(MEM32_1M).bar(MEM64_PREF_64K).bar(IO_32)
        .powerManagement(true, false, false, 0)
        .msi(1, true, false);
  }

  /** PCIe endpoint with PM, MSI (4 vectors, maskable), MSI-X in BAR2, FLR, vendor, AER, DSN, ATS, PRI, PASID. */
  static ConfigSpaceBuilder express() {
    return ConfigSpaceBuilder.express(0x1234, 0x11e8).classCode(0x020000).revision(1).interruptPin(1)
        .bar(MEM32_1M).bar(MEM64_PREF_64K)
        .powerManagement(false, false, false, 0x19)
        .msi(4, true, true)
        .msix(16, 2, 0x0, 2, 0x800)
        .pciExpress(0, 512, true, true, 0xf, true, false, false, 2, 4)
        .vendor(new byte[] {0x11, 0x22, 0x33, 0x44, 0x55})
        .aer(0x00462030, true, true)
        .serialNumber(SERIAL)
        .ats(4, true, true)
        .pri(64, true)
        .pasid(16, true, true);
  }

  static ConfigSpace space(ConfigSpaceBuilder builder) {
    return new ConfigSpace(builder.layout(List.of()));
  }

  static int read(ConfigSpace config, int offset, int size) {
    ByteBuffer buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    config.read(offset, buffer);
    buffer.flip();
    return switch (size) {
      case 1 -> buffer.get() & 0xff;
      case 2 -> buffer.getShort() & 0xffff;
      default -> buffer.getInt();
    };
  }

  static void write(ConfigSpace config, int offset, int size, int value) {
    ByteBuffer buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    switch (size) {
      case 1 -> buffer.put((byte) value);
      case 2 -> buffer.putShort((short) value);
      default -> buffer.putInt(value);
    }
    config.write(offset, buffer.flip());
  }

  static byte[] snapshot(ConfigSpace config) {
    ByteBuffer all = ByteBuffer.allocate(config.size());
    config.read(0, all);
    return all.array();
  }
}

package io.vfu4j.runtime.pci;

import io.vfu4j.runtime.spi.ConfigSpaceTemplate;
import io.vfu4j.runtime.spi.DeviceLayout;
import java.nio.ByteBuffer;

/**
 * Config-space emulation of one function (region 7). Starts from the generated template; guest
 * writes change only writable bits and clear write-1-to-clear bits.
 *
 * <p>Placeholder: masks only. BAR sizing, capability behaviour and listeners come with the PCI
 * work (issue 4); the query methods below are the contract the rest of the runtime uses.
 */
public final class ConfigSpace {
  /** Command register bits. */
  public static final int CMD_IO = 1, CMD_MEMORY = 1 << 1, CMD_BUS_MASTER = 1 << 2, CMD_INTX_DISABLE = 1 << 10;

  private final ConfigSpaceTemplate template;
  private final byte[] bytes;
  private final byte[] writeMask;
  private final byte[] w1cMask;

  public ConfigSpace(DeviceLayout layout) {
    this.template = layout.config();
    this.bytes = template.image();
    this.writeMask = template.writeMask();
    this.w1cMask = template.w1cMask();
  }

  /** 256 or 4096. */
  public int size() {
    return bytes.length;
  }

  /** Reads {@code dst.remaining()} bytes at {@code offset}; the caller checked the range. */
  public void read(int offset, ByteBuffer dst) {
    dst.put(bytes, offset, dst.remaining());
  }

  /** Applies a guest write of {@code src.remaining()} bytes at {@code offset}. */
  public void write(int offset, ByteBuffer src) {
    for (int i = offset; src.hasRemaining(); i++) {
      int value = src.get() & 0xff;
      int wm = writeMask[i] & 0xff;
      int w1c = w1cMask[i] & 0xff;
      int old = bytes[i] & 0xff;
      bytes[i] = (byte) (((old & ~wm) | (value & wm)) & ~(value & w1c));
    }
  }

  /** Back to the template's reset image. */
  public void reset() {
    System.arraycopy(template.image(), 0, bytes, 0, bytes.length);
  }

  /** The Command register. */
  public int command() {
    return (bytes[4] & 0xff) | (bytes[5] & 0xff) << 8;
  }

  public boolean busMasterEnabled() {
    return (command() & CMD_BUS_MASTER) != 0;
  }

  public boolean intxDisabled() {
    return (command() & CMD_INTX_DISABLE) != 0;
  }

  /** Sets or clears Status bit 3 (Interrupt Status), which mirrors the INTx level. */
  public void setInterruptStatus(boolean asserted) {
    bytes[6] = (byte) (asserted ? bytes[6] | 0x08 : bytes[6] & ~0x08);
  }

  /** MSI Enable of the MSI capability; false without one. */
  public boolean msiEnabled() {
    var cap = template.find(io.vfu4j.runtime.spi.CapabilityLocation.MSI, false);
    return cap != null && (bytes[cap.offset() + 2] & 0x01) != 0;
  }

  /** MSI-X Enable of the MSI-X capability; false without one. */
  public boolean msixEnabled() {
    var cap = template.find(io.vfu4j.runtime.spi.CapabilityLocation.MSIX, false);
    return cap != null && (bytes[cap.offset() + 3] & 0x80) != 0;
  }

  /** MSI-X Function Mask; false without MSI-X. */
  public boolean msixFunctionMasked() {
    var cap = template.find(io.vfu4j.runtime.spi.CapabilityLocation.MSIX, false);
    return cap != null && (bytes[cap.offset() + 3] & 0x40) != 0;
  }

  /** The template this config space was built from. */
  public ConfigSpaceTemplate template() {
    return template;
  }
}

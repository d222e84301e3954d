package io.vfu4j.runtime.pci;

import java.util.HexFormat;

/**
 * Renders config-space bytes as {@code lspci -xxxx} prints them, the format {@code lspci -F file}
 * reads back: a device line starting {@code bb:dd.f } and then lines {@code "ofs: xx xx …"} of 16
 * bytes each. pciutils then decodes the dump like a real device, which makes it an independent
 * check of a layout.
 */
public final class LspciFormat {
  private LspciFormat() {}

  /** The dump of one function at {@code 00:04.0}. */
  public static String dump(byte[] config) {
    return dump("00:04.0", config);
  }

  /**
   * The dump of one function; {@code address} is {@code bb:dd.f} or {@code dddd:bb:dd.f}.
   * {@code config} is 256 or 4096 bytes (shorter lengths are fine if a multiple of 16).
   */
  public static String dump(String address, byte[] config) {
    if (config.length == 0 || config.length % 16 != 0 || config.length > 4096) {
      throw new IllegalArgumentException("config length " + config.length + " must be a multiple of 16 up to 4096");
    }
    int vendor = LittleEndian.u16(config, 0);
    int device = LittleEndian.u16(config, 2);
    int classCode = LittleEndian.u16(config, 0x0a);
    StringBuilder out = new StringBuilder(config.length * 3 + config.length / 16 * 6 + 64);
    out.append(address).append(String.format(" Class %04x: Device %04x:%04x%n", classCode, vendor, device));
    HexFormat hex = HexFormat.of();
    for (int line = 0; line < config.length; line += 16) {
      out.append(config.length > 256 ? String.format("%03x:", line) : String.format("%02x:", line));
      for (int i = line; i < line + 16; i++) {
        out.append(' ').append(hex.toHexDigits(config[i]));
      }
      out.append('\n');
    }
    return out.append('\n').toString();
  }
}

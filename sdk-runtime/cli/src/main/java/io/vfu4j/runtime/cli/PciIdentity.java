package io.vfu4j.runtime.cli;

import io.vfu4j.host.VfioUserClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A device's identity and capabilities as a guest's PCI core reads them from config space.
 *
 * @param vendorId vendor ID
 * @param deviceId device ID
 * @param classCode 24-bit class code
 * @param revision revision ID
 * @param interruptPin 0 none, 1..4 INTA..INTD
 * @param capabilities the standard capability chain, in order
 */
public record PciIdentity(int vendorId, int deviceId, int classCode, int revision, int interruptPin,
    List<Capability> capabilities) {
  /**
   * One standard capability.
   *
   * @param id capability ID
   * @param offset where its header sits
   * @param control the 16 bits after the header (MSI: Message Control)
   */
  public record Capability(int id, int offset, int control) {
    /** A short human description, e.g. {@code MSI at 0x40 (1 vector, 64-bit, no masking)}. */
    public String describe() {
      return switch (id) {
        case 0x05 -> String.format("MSI at 0x%02x (%s, %s, %s)", offset, vectors(1 << ((control >> 1) & 7)),
            (control & 0x80) != 0 ? "64-bit" : "32-bit", (control & 0x100) != 0 ? "per-vector masking" : "no masking");
        case 0x11 -> String.format("MSI-X at 0x%02x (%s)", offset, vectors((control & 0x7ff) + 1));
        case 0x01 -> String.format("power management at 0x%02x", offset);
        case 0x10 -> String.format("PCI Express at 0x%02x", offset);
        case 0x09 -> String.format("vendor-specific at 0x%02x", offset);
        default -> String.format("capability 0x%02x at 0x%02x", id, offset);
      };
    }

    private static String vectors(int count) {
      return count == 1 ? "1 vector" : count + " vectors";
    }
  }

  static PciIdentity read(VfioUserClient client) throws IOException {
    int ids = client.config32(0x00);
    int classAndRevision = client.config32(0x08);
    List<Capability> capabilities = new ArrayList<>();
    if ((client.config16(0x06) & 0x10) != 0) {
      int offset = client.config8(0x34) & 0xfc;
      // At most 48 capabilities fit in 192 bytes: a bound against a looping chain.
      for (int i = 0; offset >= 0x40 && i < 48; i++) {
        int header = client.config16(offset);
        capabilities.add(new Capability(header & 0xff, offset, client.config16(offset + 2)));
        offset = (header >> 8) & 0xfc;
      }
    }
    return new PciIdentity(ids & 0xffff, ids >>> 16, classAndRevision >>> 8, classAndRevision & 0xff,
        client.config8(0x3d), List.copyOf(capabilities));
  }

  /** One line, e.g. {@code 1234:11e8 class 00ff00 rev 0x10, INTA, MSI at 0x40 (...)}. */
  public String describe() {
    StringBuilder line = new StringBuilder(String.format("%04x:%04x class %06x rev 0x%02x, %s",
        vendorId, deviceId, classCode, revision, interruptPin == 0 ? "no INTx" : "INT" + (char) ('A' + interruptPin - 1)));
    capabilities.forEach(c -> line.append(", ").append(c.describe()));
    return line.toString();
  }
}

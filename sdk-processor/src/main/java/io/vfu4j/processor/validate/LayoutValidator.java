package io.vfu4j.processor.validate;

import io.vfu4j.api.Bar;
import io.vfu4j.processor.diag.Diagnostic;
import io.vfu4j.processor.diag.Message;
import io.vfu4j.processor.model.BarModel;
import io.vfu4j.processor.model.CapabilityModel;
import io.vfu4j.processor.model.DeviceDescription;
import io.vfu4j.processor.model.MemoryModel;
import io.vfu4j.processor.model.RegisterModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Where things sit in the BARs: registers, memory ranges and the MSI-X table and PBA must lie
 * inside a declared BAR and must not overlap each other.
 */
public final class LayoutValidator {
  private static final long PAGE = 4096;

  private LayoutValidator() {}

  /** A claimed byte range of a BAR, for overlap checks. */
  private record Claim(String what, int bar, long start, long end) {
    boolean overlaps(Claim o) {
      return bar == o.bar && start < o.end && o.start < end;
    }
  }

  public static List<Diagnostic> validate(DeviceDescription device) {
    List<Diagnostic> errors = new ArrayList<>();
    List<Claim> claims = new ArrayList<>();
    for (RegisterModel r : device.registers()) {
      BarModel bar = device.bar(r.bar());
      if (bar == null) {
        errors.add(Diagnostic.error(r.source(), "bar", Message.REGISTER_BAR_UNDECLARED, r.name(),
            r.bar(), r.bar()));
        continue;
      }
      if (r.end() > bar.size()) {
        errors.add(Diagnostic.error(r.source(), "offset", Message.REGISTER_PAST_END, r.name(),
            r.end(), r.bar(), bar.size()));
      }
      Claim claim = new Claim("register " + r.name(), r.bar(), r.offset(), r.end());
      for (Claim other : claims) {
        if (claim.overlaps(other)) {
          errors.add(Diagnostic.error(r.source(), "offset", Message.REGISTER_OVERLAP, r.name(),
              claim.start, claim.end, other.what.substring("register ".length()), other.start,
              other.end, r.bar()));
        }
      }
      claims.add(claim);
    }
    for (MemoryModel m : device.memories()) {
      memory(device, m, claims, errors);
    }
    CapabilityModel.MsiX msix = device.capability(CapabilityModel.MsiX.class);
    if (msix != null) {
      Claim table = msixPart(device, msix, "table", "tableBar", "tableOffset", msix.tableBar(),
          msix.tableOffset(), msix.tableSize(), claims, errors);
      if (table != null) {
        claims.add(table);
      }
      msixPart(device, msix, "PBA", "pbaBar", "pbaOffset", msix.pbaBar(), msix.pbaOffset(),
          msix.pbaSize(), claims, errors);
    }
    return errors;
  }

  private static void memory(DeviceDescription device, MemoryModel m, List<Claim> claims,
      List<Diagnostic> errors) {
    BarModel bar = device.bar(m.bar());
    if (bar == null) {
      errors.add(Diagnostic.error(m.source(), "bar", Message.MEMORY_BAR_UNDECLARED, m.fieldName(),
          m.bar(), m.bar()));
      return;
    }
    if (m.size() <= 0) {
      errors.add(Diagnostic.error(m.source(), "size", Message.MEMORY_EMPTY, m.fieldName(), m.size()));
      return;
    }
    if (m.offset() < 0 || m.end() > bar.size()) {
      errors.add(Diagnostic.error(m.source(), "offset", Message.MEMORY_PAST_END, m.fieldName(),
          m.end(), m.bar(), bar.size()));
    }
    if (m.mmap() && m.offset() % PAGE != 0) {
      errors.add(Diagnostic.error(m.source(), "offset", Message.MMAP_ALIGN, m.fieldName(), "offset",
          m.offset()));
    }
    if (m.mmap() && m.size() % PAGE != 0) {
      errors.add(Diagnostic.error(m.source(), "size", Message.MMAP_ALIGN, m.fieldName(), "size",
          m.size()));
    }
    Claim claim = new Claim("@Memory " + m.fieldName(), m.bar(), m.offset(), m.end());
    for (Claim other : claims) {
      if (claim.overlaps(other)) {
        errors.add(Diagnostic.error(m.source(), "offset", Message.MEMORY_OVERLAP, m.fieldName(),
            claim.start, claim.end, other.what, other.start, other.end, m.bar()));
      }
    }
    claims.add(claim);
  }

  private static Claim msixPart(DeviceDescription device, CapabilityModel.MsiX msix, String what,
      String barAttribute, String offsetAttribute, int barIndex, long offset, long size,
      List<Claim> claims, List<Diagnostic> errors) {
    BarModel bar = device.bar(barIndex);
    if (bar == null) {
      errors.add(Diagnostic.error(msix.source(), barAttribute, Message.MSIX_BAR_UNDECLARED, what,
          barIndex, barIndex));
      return null;
    }
    if (bar.type() == Bar.Type.IO) {
      errors.add(Diagnostic.error(msix.source(), barAttribute, Message.MSIX_IO_BAR, what, barIndex));
      return null;
    }
    if (offset % 8 != 0) {
      errors.add(Diagnostic.error(msix.source(), offsetAttribute, Message.MSIX_ALIGN, what, offset));
      return null;
    }
    Claim claim = new Claim("the MSI-X " + what, barIndex, offset, offset + size);
    if (offset < 0 || offset + size > bar.size()) {
      errors.add(Diagnostic.error(msix.source(), offsetAttribute, Message.MSIX_PAST_END, what,
          offset, offset + size, barIndex, bar.size()));
      return null;
    }
    for (Claim other : claims) {
      if (claim.overlaps(other)) {
        errors.add(Diagnostic.error(msix.source(), offsetAttribute, Message.MSIX_OVERLAP, what,
            offset, offset + size, other.what + String.format(" [0x%x..0x%x)", other.start, other.end),
            barIndex));
      }
    }
    return claim;
  }
}

package io.vfu4j.processor.validate;

import io.vfu4j.processor.diag.Diagnostic;
import io.vfu4j.processor.diag.Message;
import io.vfu4j.processor.model.CapabilityModel;
import io.vfu4j.processor.model.CapabilityModel.Ats;
import io.vfu4j.processor.model.CapabilityModel.Pri;
import io.vfu4j.processor.model.DeviceDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Capability values and the combinations the PCI and PCIe specifications allow. */
public final class CapabilityValidator {
  private static final Set<Integer> PAYLOADS = Set.of(128, 256, 512, 1024, 2048, 4096);
  private static final Set<Integer> LINK_WIDTHS = Set.of(1, 2, 4, 8, 12, 16, 32);

  private CapabilityValidator() {}

  public static List<Diagnostic> validate(DeviceDescription device) {
    List<Diagnostic> errors = new ArrayList<>();
    boolean express = device.identity().express();
    if (express && device.capability(CapabilityModel.PciExpress.class) == null) {
      errors.add(Diagnostic.error(device.identity().source(), "bus", Message.EXPRESS_WITHOUT_CAP,
          device.simpleName()));
    }
    for (CapabilityModel cap : device.capabilities()) {
      if (cap.needsExpress() && !express) {
        String name = annotationName(cap);
        errors.add(Diagnostic.error(cap.source(), null, Message.EXPRESS_ONLY, name, name));
      }
      values(cap, errors);
    }
    Pri pri = device.capability(Pri.class);
    if (pri != null && device.capability(Ats.class) == null) {
      errors.add(Diagnostic.error(pri.source(), null, Message.PRI_WITHOUT_ATS));
    }
    Ats ats = device.capability(Ats.class);
    if (ats != null && ats.globalInvalidate() && device.capability(CapabilityModel.Pasid.class) == null) {
      errors.add(Diagnostic.error(ats.source(), "globalInvalidate", Message.ATS_GLOBAL_WITHOUT_PASID));
    }
    return errors;
  }

  private static String annotationName(CapabilityModel cap) {
    return cap.source().mirror().getAnnotationType().asElement().getSimpleName().toString();
  }

  private static void values(CapabilityModel cap, List<Diagnostic> errors) {
    switch (cap) {
      case CapabilityModel.Msi msi -> {
        int n = msi.vectors();
        if (n < 1 || n > 32 || Integer.bitCount(n) != 1) {
          errors.add(Diagnostic.error(cap.source(), "vectors", Message.MSI_VECTORS, n));
        }
      }
      case CapabilityModel.MsiX msix -> {
        if (msix.vectors() < 1 || msix.vectors() > 2048) {
          errors.add(Diagnostic.error(cap.source(), "vectors", Message.MSIX_VECTORS, msix.vectors()));
        }
      }
      case CapabilityModel.Pasid pasid -> {
        if (pasid.width() < 1 || pasid.width() > 20) {
          errors.add(Diagnostic.error(cap.source(), "width", Message.PASID_WIDTH, pasid.width()));
        }
      }
      case CapabilityModel.Ats ats -> {
        if (ats.invalidateQueueDepth() < 0 || ats.invalidateQueueDepth() > 31) {
          errors.add(Diagnostic.error(cap.source(), "invalidateQueueDepth", Message.ATS_QUEUE_DEPTH,
              ats.invalidateQueueDepth()));
        }
      }
      case CapabilityModel.PciExpress e -> {
        if (!PAYLOADS.contains(e.maxPayload())) {
          errors.add(Diagnostic.error(cap.source(), "maxPayload", Message.PCIE_MAX_PAYLOAD, e.maxPayload()));
        }
        if (e.linkSpeed() < 1 || e.linkSpeed() > 6) {
          errors.add(Diagnostic.error(cap.source(), "linkSpeed", Message.PCIE_LINK, "linkSpeed",
              e.linkSpeed(), "1..6"));
        }
        if (!LINK_WIDTHS.contains(e.linkWidth())) {
          errors.add(Diagnostic.error(cap.source(), "linkWidth", Message.PCIE_LINK, "linkWidth",
              e.linkWidth(), "1, 2, 4, 8, 12, 16 or 32"));
        }
      }
      case CapabilityModel.Vendor v -> {
        if (v.data().size() > 249) {
          errors.add(Diagnostic.error(cap.source(), "data", Message.VENDOR_TOO_LONG, v.data().size()));
        }
      }
      case CapabilityModel.PowerManagement pm -> {
        if ((pm.pmeSupport() & ~0x1f) != 0) {
          errors.add(Diagnostic.error(cap.source(), "pmeSupport", Message.PM_PME_SUPPORT, pm.pmeSupport()));
        }
      }
      default -> { }
    }
  }
}

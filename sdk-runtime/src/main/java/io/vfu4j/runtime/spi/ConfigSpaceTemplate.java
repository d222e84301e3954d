package io.vfu4j.runtime.spi;

import java.util.List;

/**
 * The config space as generated from the annotations: reset image, which bits the guest may
 * write, which are write-1-to-clear, and where each capability sits. The runtime's config-space
 * emulation starts from this and adds behaviour (BAR sizing, MSI/MSI-X state, FLR, ATS/PRI/PASID
 * enables).
 *
 * @param image reset values; 256 bytes (PCI) or 4096 (PCI Express)
 * @param writeMask bits the guest may change by writing (RW)
 * @param w1cMask bits the guest clears by writing 1 (RW1C)
 * @param capabilities every capability, standard and extended, in chain order
 */
public record ConfigSpaceTemplate(byte[] image, byte[] writeMask, byte[] w1cMask, List<CapabilityLocation> capabilities) {
  public ConfigSpaceTemplate {
    if (image.length != 256 && image.length != 4096) {
      throw new IllegalArgumentException("config space must be 256 or 4096 bytes, not " + image.length);
    }
    if (writeMask.length != image.length || w1cMask.length != image.length) {
      throw new IllegalArgumentException("masks must be as long as the image");
    }
    image = image.clone();
    writeMask = writeMask.clone();
    w1cMask = w1cMask.clone();
    capabilities = List.copyOf(capabilities);
  }

  @Override
  public byte[] image() {
    return image.clone();
  }

  @Override
  public byte[] writeMask() {
    return writeMask.clone();
  }

  @Override
  public byte[] w1cMask() {
    return w1cMask.clone();
  }

  /** The first capability with this ID (standard or extended as given), or null. */
  public CapabilityLocation find(int id, boolean extended) {
    for (CapabilityLocation cap : capabilities) {
      if (cap.id() == id && cap.extended() == extended) {
        return cap;
      }
    }
    return null;
  }
}

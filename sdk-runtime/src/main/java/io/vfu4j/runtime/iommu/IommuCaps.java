package io.vfu4j.runtime.iommu;

import io.vfu4j.runtime.spi.CapabilityLocation;
import io.vfu4j.runtime.spi.ConfigSpaceTemplate;

/**
 * The read-only ATS/PRI/PASID capability facts of a function, from its config-space template.
 *
 * @param ats the ATS capability exists
 * @param invalidateQueueDepth Invalidate Queue Depth (0 in the register means 32)
 * @param pageAlignedRequest ATS Page Aligned Request
 * @param globalInvalidate ATS Global Invalidate Supported
 * @param pri the PRI capability exists
 * @param priCapacity Outstanding Page Request Capacity (pages)
 * @param maxPasidWidth PASID Max PASID Width, 0 without a PASID capability
 */
public record IommuCaps(boolean ats, int invalidateQueueDepth, boolean pageAlignedRequest, boolean globalInvalidate,
    boolean pri, long priCapacity, int maxPasidWidth) {
  /** A function without any of the three capabilities. */
  public static final IommuCaps NONE = new IommuCaps(false, 32, false, false, false, 0, 0);

  /** Reads the capabilities of {@code template}. */
  public static IommuCaps of(ConfigSpaceTemplate template) {
    byte[] image = template.image();
    CapabilityLocation ats = template.find(CapabilityLocation.ATS, true);
    CapabilityLocation pri = template.find(CapabilityLocation.PRI, true);
    CapabilityLocation pasid = template.find(CapabilityLocation.PASID, true);
    int atsCap = ats == null ? 0 : u16(image, ats.offset() + 4);
    int depth = atsCap & 0x1f;
    long capacity = pri == null ? 0 : Integer.toUnsignedLong(u16(image, pri.offset() + 8)
        | u16(image, pri.offset() + 10) << 16);
    int width = pasid == null ? 0 : Math.max(1, Math.min(20, (u16(image, pasid.offset() + 4) >> 8) & 0x1f));
    return new IommuCaps(ats != null, depth == 0 ? 32 : depth, (atsCap & 0x20) != 0, (atsCap & 0x40) != 0,
        pri != null, capacity, width);
  }

  private static int u16(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
  }
}

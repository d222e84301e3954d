package io.vfu4j.runtime.dma;

/**
 * A DMA address space (docs/protocol-extension.md §1): the no-PASID space, one space per PASID,
 * or the translated space that ATS translations point into. Each has its own mapping table.
 *
 * @param pasid the PASID, or -1 for no PASID
 * @param translated true for the translated space (then {@code pasid} is -1)
 */
public record Space(int pasid, boolean translated) {
  /** Untranslated requests without a PASID: the only space of plain vfio-user. */
  public static final Space NONE = new Space(-1, false);
  /** Addresses returned by ATS translations. */
  public static final Space TRANSLATED = new Space(-1, true);

  public Space {
    if (pasid < -1 || (translated && pasid != -1)) {
      throw new IllegalArgumentException("bad space: pasid " + pasid + ", translated " + translated);
    }
  }

  /** The untranslated space of PASID {@code pasid} (0 ≤ pasid < 2^20). */
  public static Space pasid(int pasid) {
    if (pasid < 0 || pasid >= 1 << 20) {
      throw new IllegalArgumentException("PASID out of range: " + pasid);
    }
    return new Space(pasid, false);
  }

  /** True for a PASID space. */
  public boolean tagged() {
    return pasid >= 0;
  }

  @Override
  public String toString() {
    return translated ? "translated" : pasid < 0 ? "no-PASID" : "PASID " + pasid;
  }
}

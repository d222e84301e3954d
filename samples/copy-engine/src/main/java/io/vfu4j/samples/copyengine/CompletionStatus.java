package io.vfu4j.samples.copyengine;

/** The code in COMPLETION_STATUS (bits 7:0) after a submission finished. */
public enum CompletionStatus {
  /** Nothing completed since the last reset. */
  NONE(0),
  /** Every byte was copied. */
  SUCCESS(1),
  /** A page was not present and the IOMMU answered the page request Invalid Request. */
  PAGE_FAULT_INVALID_REQUEST(2),
  /** A page was not present and the IOMMU answered Response Failure: PRI is stopped until re-enabled. */
  PAGE_FAULT_RESPONSE_FAILURE(3),
  /**
   * Any other DMA failure: unmapped memory, no permission, bus mastering off, a PASID-tagged
   * request the platform cannot route (PASID disabled, or a VMM without PASID support: Unsupported
   * Request), or the client went away.
   */
  DMA_ERROR(4),
  /** Length 0 or above the maximum: nothing was copied. */
  INVALID_DESCRIPTOR(5);

  private final int code;

  CompletionStatus(int code) {
    this.code = code;
  }

  /** The register value. */
  public int code() {
    return code;
  }

  /** The status a register value stands for. */
  public static CompletionStatus of(int code) {
    for (CompletionStatus s : values()) {
      if (s.code == (code & 0xff)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown completion status " + code);
  }
}

package io.vfu4j.api;

/**
 * A DMA access that failed because the IOMMU refused to make its page present: the PRI page
 * request group the runtime sent for a translation miss was answered Invalid Request or Response
 * Failure. A device reports it to its driver as a page fault (for instance in a completion
 * record), distinct from other DMA errors.
 */
public final class PageFaultException extends DmaException {
  private static final long serialVersionUID = 1L;

  /** The page request answer, never {@link DmaSpace.PageResponse#SUCCESS}. */
  private final DmaSpace.PageResponse response;

  /** Creates the exception for the access at {@code address} whose page request got {@code response}. */
  public PageFaultException(long address, DmaSpace.PageResponse response) {
    super(address, "page request answered " + response);
    this.response = response;
  }

  /** How the IOMMU answered the page request. */
  public DmaSpace.PageResponse response() {
    return response;
  }
}

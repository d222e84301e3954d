package io.vfu4j.api;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletionStage;

/**
 * One DMA address space of the device behind a virtual IOMMU: the untagged (no-PASID) space or
 * the space of one PASID. Accesses resolve in this order: a mapping the client pushed for this
 * space, then the device's ATS translation cache (asking the client's IOMMU for a translation on
 * a miss, and for the pages with a PRI page request when they are not present, if the guest
 * enabled ATS and PRI), then untranslated DMA by message that the client's IOMMU translates.
 * See docs/iommu.md.
 *
 * <p>Device code must never block on the client: use the asynchronous methods from the device
 * thread. Their stages complete on the device thread. The synchronous methods succeed only where
 * no message is needed (pushed fd-backed mappings, ATC hits into fd-backed memory) when called on
 * the device thread; on other threads they wait.
 */
public interface DmaSpace {
  /** {@link #pasid()} of the untagged space. */
  int NO_PASID = -1;
  /** Page request access bits. */
  int READ = 1, WRITE = 2;

  /** The PASID of this space, or {@link #NO_PASID}. */
  int pasid();

  /** Copies {@code dst.byteSize()} bytes at {@code address} of this space into {@code dst}. */
  void read(long address, MemorySegment dst) throws DmaException;

  /** Copies {@code src} to {@code address} of this space. */
  void write(long address, MemorySegment src) throws DmaException;

  /** Asynchronous read; completes on the device thread, exceptionally with a {@link DmaException}. */
  CompletionStage<Void> readAsync(long address, MemorySegment dst);

  /** Asynchronous write; see {@link #readAsync}. */
  CompletionStage<Void> writeAsync(long address, MemorySegment src);

  /**
   * Asks the IOMMU to make {@code [address, address + length)} resident (a PRI page request group;
   * the runtime splits it when it exceeds the allocation and queues it while the allocation is
   * used up). Completes on the device thread with the response; exceptionally with a
   * {@link DmaException} when PRI is not enabled or the group was abandoned (PRI reset, device
   * reset, client gone).
   *
   * @param access {@link #READ} and/or {@link #WRITE}
   */
  CompletionStage<PageResponse> pageRequest(long address, long length, int access);

  /**
   * Tells the IOMMU that this PASID will send no more page requests (a PRI stop marker), when the
   * device stops using the PASID. It takes no allocation and gets no response; it is sent only
   * while PRI is usable, and nowhere for the untagged space. Completes on the device thread when
   * it left (or was not needed).
   */
  default CompletionStage<Void> stopPageRequests() {
    return java.util.concurrent.CompletableFuture.completedFuture(null);
  }

  /** The answer to a page request group (PCIe PRG Response codes). */
  enum PageResponse {
    /** The pages are resident; retry the access. */
    SUCCESS,
    /** The IOMMU refused (e.g. an invalid address); the access that faulted should fail. */
    INVALID_REQUEST,
    /** Catastrophic: PRI is stopped until software re-enables it. */
    RESPONSE_FAILURE
  }
}

package io.vfu4j.api;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletionStage;

/**
 * Access to guest memory at DMA (bus) addresses. Memory the client shared with a file
 * descriptor is copied directly; other memory goes through DMA_READ/DMA_WRITE messages.
 *
 * <p>Every access checks that the whole range lies in mappings with the needed permission and
 * that the guest enabled bus mastering; otherwise it fails with {@link DmaException} and touches
 * nothing.
 */
public interface Dma {
  /** Copies {@code dst.byteSize()} bytes from guest address {@code address} into {@code dst}. */
  void read(long address, MemorySegment dst) throws DmaException;

  /** Copies {@code src} to guest address {@code address}. */
  void write(long address, MemorySegment src) throws DmaException;

  /**
   * Asynchronous read: completes on the device thread. Use it where memory may be reachable only
   * by message, so that the device thread keeps serving the client meanwhile.
   */
  CompletionStage<Void> readAsync(long address, MemorySegment dst);

  /** Asynchronous write; see {@link #readAsync}. */
  CompletionStage<Void> writeAsync(long address, MemorySegment src);

  /**
   * The untagged (no-PASID) address space with IOMMU-aware resolution (ATS translation cache, page
   * requests). Unlike the methods above, its accesses may use translations. See {@link DmaSpace}.
   *
   * @throws UnsupportedOperationException in contexts without an IOMMU-aware DMA engine
   */
  default DmaSpace untagged() {
    throw new UnsupportedOperationException("no IOMMU-aware DMA in this context");
  }

  /**
   * The address space of PASID {@code pasid}. Its accesses fail unless the guest enabled PASID and
   * the client negotiated PASID support (a plain vfio-user client has no PASID spaces).
   *
   * @throws IllegalArgumentException if {@code pasid} is outside 0 to 2^20 - 1
   * @throws UnsupportedOperationException in contexts without an IOMMU-aware DMA engine
   */
  default DmaSpace space(int pasid) {
    throw new UnsupportedOperationException("no IOMMU-aware DMA in this context");
  }
}

package io.vfu4j.runtime.dma;

import java.util.concurrent.CompletableFuture;

/**
 * Reaches guest memory that the client mapped without a file descriptor, by DMA_READ/DMA_WRITE
 * messages. The server implements it and splits transfers by the client's
 * {@code max_data_xfer_size}. The futures complete on any thread (typically the socket reader),
 * exceptionally if the client refuses the access or disconnects.
 */
public interface DmaMessenger {
  /** Reads {@code length} bytes at guest address {@code address}. */
  CompletableFuture<byte[]> read(long address, int length);

  /** Writes {@code data} to guest address {@code address}. */
  CompletableFuture<Void> write(long address, byte[] data);

  /**
   * Reads in a named space: the no-PASID space by DMA_READ, others by DMA_READ_EX (IOMMU
   * extension). The default reaches only the no-PASID space.
   */
  default CompletableFuture<byte[]> read(Space space, long address, int length) {
    return space.equals(Space.NONE) ? read(address, length)
        : CompletableFuture.failedFuture(new UnsupportedOperationException("no message DMA in the " + space + " space"));
  }

  /** Writes in a named space; see {@link #read(Space, long, int)}. */
  default CompletableFuture<Void> write(Space space, long address, byte[] data) {
    return space.equals(Space.NONE) ? write(address, data)
        : CompletableFuture.failedFuture(new UnsupportedOperationException("no message DMA in the " + space + " space"));
  }
}

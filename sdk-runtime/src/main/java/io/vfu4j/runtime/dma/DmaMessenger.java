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
}

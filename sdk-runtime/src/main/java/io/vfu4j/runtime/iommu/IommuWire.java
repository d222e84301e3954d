package io.vfu4j.runtime.iommu;

import io.vfu4j.runtime.protocol.IommuMessages.AtsTranslate;
import io.vfu4j.runtime.protocol.IommuMessages.PageRequest;
import java.util.concurrent.CompletableFuture;

/**
 * The server→client requests of the IOMMU extension, implemented by the server over its socket.
 * Futures complete on any thread, exceptionally on an error reply (with the errno in a
 * {@code ProtocolException}), a timeout or a disconnect. Message DMA in named spaces
 * (DMA_READ_EX/DMA_WRITE_EX) goes through {@code DmaMessenger}.
 */
public interface IommuWire {
  /** ATS_TRANSLATE; completes with the reply payload (not yet validated). */
  CompletableFuture<byte[]> translate(AtsTranslate request);

  /** PRI_PAGE_REQUEST; completes with the acknowledgement. */
  CompletableFuture<Void> pageRequest(PageRequest request);
}

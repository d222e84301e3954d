package io.vfu4j.runtime.server;

import io.vfu4j.api.Dma;
import io.vfu4j.runtime.protocol.DmaMessages.DmaMap;
import io.vfu4j.runtime.protocol.DmaMessages.DmaUnmap;
import io.vfu4j.runtime.protocol.ProtocolException;
import java.io.FileDescriptor;

/** What the server needs from the DMA machinery; map/unmap run on the device thread. */
interface DmaPort {
  /** Adds a mapping; takes ownership of {@code fd} (may be null: message access). */
  void map(DmaMap request, FileDescriptor fd) throws ProtocolException;

  void unmap(DmaUnmap request) throws ProtocolException;

  /** Drops every mapping and closes their fds. */
  void unmapAll();

  /** Routes message-based DMA to this client from now on (null: no client). */
  void messenger(MessageDma messenger);

  /** The device-facing view. */
  Dma dma();
}

package io.vfu4j.host;

import io.vfu4j.runtime.sys.SharedMemory;
import java.lang.foreign.MemorySegment;

/**
 * A piece of "guest RAM" the client mapped to the server with DMA_MAP: memfd-backed, passed
 * with its fd ({@code shared}) or without (the server must then use DMA_READ/DMA_WRITE).
 */
public final class GuestMemory implements AutoCloseable {
  private final long address;
  private final SharedMemory memory;
  private final boolean shared;

  GuestMemory(long address, SharedMemory memory, boolean shared) {
    this.address = address;
    this.memory = memory;
    this.shared = shared;
  }

  /** DMA address of the first byte. */
  public long address() {
    return address;
  }

  public long size() {
    return memory.size();
  }

  /** True when the fd went with DMA_MAP. */
  public boolean shared() {
    return shared;
  }

  /** The memory as the client sees it. */
  public MemorySegment segment() {
    return memory.segment();
  }

  boolean contains(long at, long length) {
    return at >= address && length >= 0 && at - address <= size() - length;
  }

  SharedMemory sharedMemory() {
    return memory;
  }

  @Override
  public void close() {
    memory.close();
  }
}

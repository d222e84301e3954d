package io.vfu4j.runtime.dma;

import io.vfu4j.runtime.sys.MappedFd;
import io.vfu4j.runtime.sys.Native;
import java.lang.foreign.MemorySegment;

/**
 * A mapping together with what the engine owns for it: the client's fd and, for fd-backed
 * ranges, the mapped memory. Closed exactly once, under the engine's write lock.
 */
final class Region {
  private final Mapping mapping;
  private final MappedFd memory;
  private final int fd;
  private volatile boolean closed;

  Region(Mapping mapping, MappedFd memory, int fd) {
    this.mapping = mapping;
    this.memory = memory;
    this.fd = fd;
  }

  Mapping mapping() {
    return mapping;
  }

  /** The mapped memory, or null for a message-only range. */
  MemorySegment memory() {
    return memory == null ? null : memory.segment();
  }

  /** The client's fd, or -1 for a message-only range. */
  int fd() {
    return fd;
  }

  boolean closed() {
    return closed;
  }

  /** Unmaps (waiting for accesses still inside the memory) and closes the client's fd. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (memory != null) {
      memory.close();
    }
    Native.closeQuietly(fd);
  }
}

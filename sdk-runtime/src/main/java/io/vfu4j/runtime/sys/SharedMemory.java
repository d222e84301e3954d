package io.vfu4j.runtime.sys;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Anonymous shared memory (a memfd) of a fixed size, mapped here and passable to a peer by its
 * fd. The host test client uses it for guest RAM; the runtime for mmap-able BAR ranges.
 * {@link #close()} unmaps and closes the fd; a peer's own mapping stays valid.
 */
public final class SharedMemory implements AutoCloseable {
  private final int fd;
  private final FileDescriptor descriptor;
  private final long size;
  private final MappedFd mapping;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SharedMemory(int fd, long size, MappedFd mapping) throws IOException {
    this.fd = fd;
    this.descriptor = Native.fileDescriptor(fd);
    this.size = size;
    this.mapping = mapping;
  }

  /** Creates a zero-filled memfd named {@code name} (for /proc listings) of {@code size} bytes. */
  public static SharedMemory create(String name, long size) throws IOException {
    if (size <= 0) {
      throw new IllegalArgumentException("size must be positive: " + size);
    }
    int fd = Native.memfdCreate(name, 0);
    MappedFd mapping = null;
    try {
      Native.ftruncate(fd, size);
      mapping = MappedFd.map(fd, 0, size, true);
      return new SharedMemory(fd, size, mapping);
    } catch (IOException | RuntimeException e) {
      if (mapping != null) {
        mapping.close();
      }
      Native.closeQuietly(fd);
      throw e;
    }
  }

  /** The whole memory. */
  public MemorySegment segment() {
    return mapping.segment();
  }

  /** Size in bytes. */
  public long size() {
    return size;
  }

  /** The memfd number; still owned by this object (dup it to hand out an owned copy). */
  public int fd() {
    return fd;
  }

  /** The memfd as a {@link FileDescriptor}, e.g. to send it with junixsocket. */
  public FileDescriptor fileDescriptor() {
    return descriptor;
  }

  /** Unmaps and closes the fd; later calls do nothing (the fd number may be reused by then). */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      mapping.close();
      Native.closeQuietly(fd);
    }
  }
}

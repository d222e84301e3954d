package io.vfu4j.runtime.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * A shared mapping of (part of) the file behind an fd, as a {@link MemorySegment} in its own
 * shared arena. The file is reopened through /proc/self/fd, which needs no restricted call;
 * FileChannel rounds the offset down to the page size and hides the difference. The fd itself
 * stays with the caller: the mapping outlives it and {@link #close()} only unmaps.
 *
 * <p>Closing the shared arena waits until no thread is inside an access to the segment, and any
 * later access throws {@link IllegalStateException}: after {@code close()} nothing touches the
 * memory any more.
 */
public final class MappedFd implements AutoCloseable {
  private final Arena arena;
  private final MemorySegment segment;
  private final boolean writable;

  private MappedFd(Arena arena, MemorySegment segment, boolean writable) {
    this.arena = arena;
    this.segment = segment;
    this.writable = writable;
  }

  /**
   * Maps {@code size} bytes at {@code offset} of the file behind {@code fd}. The caller checks
   * the file is long enough; a mapping past the end would fault on access.
   */
  public static MappedFd map(int fd, long offset, long size, boolean writable) throws IOException {
    if (offset < 0 || size <= 0) {
      throw new IOException("bad mapping: offset " + offset + ", size " + size);
    }
    var options =
        writable
            ? new StandardOpenOption[] {StandardOpenOption.READ, StandardOpenOption.WRITE}
            : new StandardOpenOption[] {StandardOpenOption.READ};
    Arena arena = Arena.ofShared();
    try (FileChannel channel = FileChannel.open(FdInfo.procPath(fd), options)) {
      var mode = writable ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY;
      return new MappedFd(arena, channel.map(mode, offset, size, arena), writable);
    } catch (IOException | RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  /** The mapped memory; read-only unless mapped writable. */
  public MemorySegment segment() {
    return segment;
  }

  /** True if the mapping allows writes. */
  public boolean writable() {
    return writable;
  }

  /** Unmaps; waits for accesses in progress on other threads. Idempotent. */
  @Override
  public void close() {
    if (arena.scope().isAlive()) {
      try {
        arena.close();
      } catch (IllegalStateException alreadyClosed) {
        // a concurrent close won: the memory is unmapped either way
      }
    }
  }
}

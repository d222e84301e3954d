package io.vfu4j.runtime.spi;

/**
 * A plain memory range inside a BAR ({@code @Memory}).
 *
 * @param bar BAR index
 * @param offset byte offset in the BAR
 * @param size size in bytes
 * @param mmap backed by shared memory the client may map (a sparse mmap area)
 * @param readOnly guest writes are dropped
 */
public record MemoryRange(int bar, long offset, long size, boolean mmap, boolean readOnly) {
  /** True when [offset, offset + length) of {@code bar} lies inside this range. */
  public boolean contains(int bar, long offset, long length) {
    return bar == this.bar && offset >= this.offset && length >= 0
        && offset - this.offset <= size - length;
  }
}

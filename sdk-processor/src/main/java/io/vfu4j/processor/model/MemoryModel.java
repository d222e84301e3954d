package io.vfu4j.processor.model;

/** One {@code @Memory} range, stored in the Java field {@code fieldName}. */
public record MemoryModel(String fieldName, int bar, long offset, long size, boolean mmap,
    boolean readOnly, Source source) {

  /** Offset just past the range. */
  public long end() {
    return offset + size;
  }
}

package io.vfu4j.runtime.server;

import io.vfu4j.runtime.protocol.DeviceMessages.SparseArea;
import io.vfu4j.runtime.spi.DeviceLayout;
import io.vfu4j.runtime.spi.MemoryRange;
import io.vfu4j.runtime.sys.SharedMemory;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The backing of every {@code @Memory} range. All mmap ranges of one BAR are slices of one memfd
 * as large as that BAR, so the region has a single fd and its sparse areas are the ranges'
 * offsets; other ranges live in a shared arena.
 */
final class BarMemory implements AutoCloseable {
  private final List<MemoryRange> ranges;
  private final List<MemorySegment> segments = new ArrayList<>();
  private final Map<Integer, SharedMemory> shared = new HashMap<>();
  private final Arena arena = Arena.ofShared();

  private BarMemory(List<MemoryRange> ranges) {
    this.ranges = ranges;
  }

  static BarMemory create(DeviceLayout layout, String name) throws IOException {
    BarMemory m = new BarMemory(layout.memoryRanges());
    try {
      for (MemoryRange r : layout.memoryRanges()) {
        if (layout.bar(r.bar()) == null || !r.contains(r.bar(), r.offset(), r.size())
            || r.offset() + r.size() > layout.bar(r.bar()).size()) {
          throw new IllegalArgumentException("memory range " + r + " lies outside its BAR");
        }
        if (r.mmap()) {
          SharedMemory s = m.shared.get(r.bar());
          if (s == null) {
            s = SharedMemory.create("vfu4j-" + name + "-bar" + r.bar(), layout.bar(r.bar()).size());
            m.shared.put(r.bar(), s);
          }
          m.segments.add(s.segment().asSlice(r.offset(), r.size()));
        } else {
          m.segments.add(m.arena.allocate(r.size(), 8));
        }
      }
    } catch (IOException | RuntimeException e) {
      m.close();
      throw e;
    }
    return m;
  }

  /** Backing segments in layout order, as {@code DeviceDescriptor.create} expects. */
  List<MemorySegment> segments() {
    return List.copyOf(segments);
  }

  /** The sparse mmap areas of {@code bar}: its mmap ranges. */
  List<SparseArea> mmapAreas(int bar) {
    List<SparseArea> areas = new ArrayList<>();
    for (MemoryRange r : ranges) {
      if (r.bar() == bar && r.mmap()) {
        areas.add(new SparseArea(r.offset(), r.size()));
      }
    }
    return areas;
  }

  /** The memfd behind {@code bar}'s mmap ranges, or null. */
  FileDescriptor fd(int bar) {
    SharedMemory s = shared.get(bar);
    return s == null ? null : s.fileDescriptor();
  }

  /** The range holding the whole access, or null. */
  MemoryRange rangeAt(int bar, long offset, int size) {
    for (MemoryRange r : ranges) {
      if (r.contains(bar, offset, size)) {
        return r;
      }
    }
    return null;
  }

  long read(MemoryRange r, long offset, int size) {
    return DeviceHost.readLe(segments.get(ranges.indexOf(r)), offset - r.offset(), size);
  }

  void write(MemoryRange r, long offset, int size, long value) {
    DeviceHost.writeLe(segments.get(ranges.indexOf(r)), offset - r.offset(), size, value);
  }

  @Override
  public void close() {
    shared.values().forEach(SharedMemory::close);
    arena.close();
  }
}

package io.vfu4j.runtime.spi;

import io.vfu4j.api.Bar;

/**
 * One implemented BAR.
 *
 * @param index BAR index 0..5 (a 64-bit BAR also occupies index + 1)
 * @param size size in bytes, a power of two
 * @param type memory32, memory64 or I/O
 * @param prefetchable prefetchable memory
 */
public record BarLayout(int index, long size, Bar.Type type, boolean prefetchable) {
  public BarLayout {
    if (index < 0 || index > 5) {
      throw new IllegalArgumentException("BAR index " + index + " is not in 0..5");
    }
    if (size <= 0 || Long.bitCount(size) != 1) {
      throw new IllegalArgumentException("BAR" + index + " size " + size + " is not a power of two");
    }
  }
}

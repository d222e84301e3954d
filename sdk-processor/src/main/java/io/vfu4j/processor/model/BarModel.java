package io.vfu4j.processor.model;

import io.vfu4j.api.Bar;

/** One {@code @Bar}. */
public record BarModel(int index, long size, Bar.Type type, boolean prefetchable, Source source) {

  /** The highest index the BAR occupies: a 64-bit BAR also takes {@code index + 1}. */
  public int lastIndex() {
    return type == Bar.Type.MEMORY64 ? index + 1 : index;
  }
}

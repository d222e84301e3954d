package io.vfu4j.runtime.server;

import io.vfu4j.runtime.spi.BarLayout;
import io.vfu4j.runtime.spi.DeviceLayout;

/** PCI region indices (spec §9.1) and their sizes for one device. */
final class Regions {
  static final int ROM = 6, CONFIG = 7, VGA = 8, COUNT = 9;

  private Regions() {}

  /** Size of region {@code index}; 0 = not present. */
  static long size(DeviceLayout layout, int configSize, int index) {
    if (index >= 0 && index < ROM) {
      BarLayout bar = layout.bar(index);
      return bar == null ? 0 : bar.size();
    }
    return index == CONFIG ? configSize : 0;
  }
}

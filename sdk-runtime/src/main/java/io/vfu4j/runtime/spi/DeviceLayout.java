package io.vfu4j.runtime.spi;

import java.util.List;

/**
 * The static shape of a device.
 *
 * @param bars the implemented BARs, by ascending index (the upper half of a 64-bit BAR is not listed)
 * @param memoryRanges plain memory ranges inside BARs, served by the runtime from their segments
 * @param config the config-space template: reset image, write masks, capabilities
 */
public record DeviceLayout(List<BarLayout> bars, List<MemoryRange> memoryRanges, ConfigSpaceTemplate config) {
  public DeviceLayout {
    bars = List.copyOf(bars);
    memoryRanges = List.copyOf(memoryRanges);
  }

  /** The BAR with {@code index}, or null when it is not implemented. */
  public BarLayout bar(int index) {
    for (BarLayout bar : bars) {
      if (bar.index() == index) {
        return bar;
      }
    }
    return null;
  }
}

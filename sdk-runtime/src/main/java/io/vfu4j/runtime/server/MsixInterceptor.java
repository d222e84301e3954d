package io.vfu4j.runtime.server;

import io.vfu4j.runtime.pci.MsixTable;

/** Serves the MSI-X table and PBA from the config space's {@link MsixTable}, ahead of the device model. */
record MsixInterceptor(MsixTable table) implements BarAccessInterceptor {
  @Override
  public boolean claims(int bar, long offset, int size) {
    return table.claims(bar, offset, size);
  }

  @Override
  public long read(int bar, long offset, int size) {
    return table.read(bar, offset, size);
  }

  @Override
  public void write(int bar, long offset, int size, long value) {
    table.write(bar, offset, size, value);
  }
}

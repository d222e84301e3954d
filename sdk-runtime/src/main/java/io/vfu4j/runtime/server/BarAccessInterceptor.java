package io.vfu4j.runtime.server;

/**
 * A step in front of the device model for BAR accesses the runtime itself emulates: the MSI-X
 * table and PBA ({@code MsixInterceptor}, installed when the function has MSI-X). Called on the
 * device thread with naturally aligned pieces, after {@code @Memory} ranges.
 */
public interface BarAccessInterceptor {
  /** True when this interceptor serves {@code size} bytes at {@code offset} of {@code bar}. */
  boolean claims(int bar, long offset, int size);

  long read(int bar, long offset, int size);

  void write(int bar, long offset, int size, long value);

  /** Claims nothing. */
  BarAccessInterceptor NONE = new BarAccessInterceptor() {
    @Override
    public boolean claims(int bar, long offset, int size) {
      return false;
    }

    @Override
    public long read(int bar, long offset, int size) {
      return -1;
    }

    @Override
    public void write(int bar, long offset, int size, long value) {}
  };
}

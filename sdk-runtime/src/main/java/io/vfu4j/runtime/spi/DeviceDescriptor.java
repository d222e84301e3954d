package io.vfu4j.runtime.spi;

import io.vfu4j.api.DeviceContext;

/**
 * Entry point of a device for the runtime: its static layout and a factory for instances.
 * Generated as {@code <Device>_Descriptor} and listed in
 * {@code META-INF/services/io.vfu4j.runtime.spi.DeviceDescriptor}.
 */
public interface DeviceDescriptor {
  /** Short device name (from {@code @PciDevice(name)} or the class name). */
  String name();

  /** The fully qualified name of the device author's class. */
  String deviceClassName();

  /** BARs, memory ranges and the config-space template. Immutable; may be shared. */
  DeviceLayout layout();

  /**
   * Creates a device instance. {@code memory} holds the backing segments of every
   * {@link DeviceLayout#memoryRanges() memory range}, in layout order; the model installs them in
   * the author's {@code @Memory} fields before returning.
   */
  DeviceModel create(DeviceContext context, java.util.List<java.lang.foreign.MemorySegment> memory);
}

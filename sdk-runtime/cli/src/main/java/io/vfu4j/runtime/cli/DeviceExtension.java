package io.vfu4j.runtime.cli;

import io.vfu4j.api.DeviceContext;
import io.vfu4j.runtime.spi.DeviceModel;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * What a device module adds to the shared command line. An implementation may carry picocli
 * {@code @Option} fields: {@link DeviceMain} adds it as a mixin, so its options appear in
 * {@code --help} next to the common ones and are set before any method here is called.
 *
 * <p>Every method has a default, so a device without extras passes {@link #NONE}.
 */
public interface DeviceExtension {
  /** No device-specific options, no demo. */
  DeviceExtension NONE = new DeviceExtension() {};

  /**
   * Called on the device thread each time the runtime creates a device instance, with the
   * context the instance received. Returns the model to serve (usually {@code model} itself).
   * Use it to reach the device object, e.g. to drive its inputs from outside.
   */
  default DeviceModel created(DeviceModel model, DeviceContext context) {
    return model;
  }

  /**
   * Called once the server listens on {@code socket}. Returns what to close at shutdown (a
   * control interface, say), or null.
   */
  default AutoCloseable started(Path socket) throws Exception {
    return null;
  }

  /** True when {@link #demo} is implemented. */
  default boolean hasDemo() {
    return false;
  }

  /**
   * The {@code --demo} run: the server already listens on {@code socket}; connect the built-in
   * host client to it, exercise the device and print a few readable lines to {@code out}.
   */
  default void demo(Path socket, PrintStream out) throws Exception {
    throw new UnsupportedOperationException("this device has no demo");
  }
}

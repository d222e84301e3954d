package io.vfu4j.runtime.cli;

import io.vfu4j.api.DeviceContext;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import io.vfu4j.runtime.spi.DeviceLayout;
import io.vfu4j.runtime.spi.DeviceModel;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.BiFunction;

/** Finding and decorating device descriptors. */
public final class Descriptors {
  private Descriptors() {}

  /**
   * The one {@link DeviceDescriptor} registered on the class path (the annotation processor
   * registers one per {@code @PciDevice} class).
   *
   * @throws IllegalStateException when there is none or more than one
   */
  public static DeviceDescriptor discoverSingle(ClassLoader loader) {
    List<DeviceDescriptor> found = new ArrayList<>();
    ServiceLoader.load(DeviceDescriptor.class, loader).forEach(found::add);
    if (found.size() != 1) {
      throw new IllegalStateException(found.isEmpty()
          ? "no device on the class path (no META-INF/services/" + DeviceDescriptor.class.getName() + ")"
          : "more than one device on the class path: "
              + found.stream().map(DeviceDescriptor::name).toList() + "; start the one you want by its own main class");
    }
    return found.getFirst();
  }

  /**
   * A descriptor that behaves like {@code delegate} but passes every new instance through
   * {@code onCreate}, which returns the model to serve.
   */
  public static DeviceDescriptor onCreate(DeviceDescriptor delegate,
      BiFunction<DeviceModel, DeviceContext, DeviceModel> onCreate) {
    return new DeviceDescriptor() {
      @Override
      public String name() {
        return delegate.name();
      }

      @Override
      public String deviceClassName() {
        return delegate.deviceClassName();
      }

      @Override
      public DeviceLayout layout() {
        return delegate.layout();
      }

      @Override
      public DeviceModel create(DeviceContext context, List<MemorySegment> memory) {
        return onCreate.apply(delegate.create(context, memory), context);
      }
    };
  }
}

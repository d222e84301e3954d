package io.vfu4j.samples.edu;

import io.vfu4j.runtime.cli.Descriptors;
import io.vfu4j.runtime.spi.DeviceDescriptor;

/** The edu device as it must be served: the generated descriptor plus {@link EduAccessRules}. */
public final class EduDescriptors {
  private EduDescriptors() {}

  /** The descriptor to serve; use it instead of the generated {@code EduDevice_Descriptor}. */
  public static DeviceDescriptor edu() {
    return Descriptors.onCreate(new EduDevice_Descriptor(), (model, context) -> new EduAccessRules(model));
  }
}

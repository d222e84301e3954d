package io.vfu4j.processor.model;

import java.util.List;
import javax.lang.model.element.TypeElement;

/**
 * Everything the processor knows about one {@code @PciDevice} class, validated before any code is
 * generated from it.
 */
public record DeviceDescription(TypeElement type, String packageName, String simpleName,
    String name, Identity identity, boolean contextConstructor, List<BarModel> bars,
    List<RegisterModel> registers, List<MemoryModel> memories, List<HookModel> hooks,
    List<CapabilityModel> capabilities) {

  public DeviceDescription {
    bars = List.copyOf(bars);
    registers = List.copyOf(registers);
    memories = List.copyOf(memories);
    hooks = List.copyOf(hooks);
    capabilities = List.copyOf(capabilities);
  }

  /** Values of {@code @PciDevice}. */
  public record Identity(int vendorId, int deviceId, int subsystemVendorId, int subsystemId,
      int classCode, int revision, boolean express, int interruptPin, Source source) {}

  /** The BAR with this index (its first index), or null. */
  public BarModel bar(int index) {
    for (BarModel bar : bars) {
      if (bar.index() == index) {
        return bar;
      }
    }
    return null;
  }

  /** The first capability of this kind, or null. */
  public <C extends CapabilityModel> C capability(Class<C> kind) {
    for (CapabilityModel c : capabilities) {
      if (kind.isInstance(c)) {
        return kind.cast(c);
      }
    }
    return null;
  }
}

package io.vfu4j.runtime.pci;

import io.vfu4j.api.ResetReason;
import java.util.ArrayList;
import java.util.List;

/** Records listener calls as readable strings, in order. */
final class RecordingListener implements ConfigSpace.Listener {
  final List<String> events = new ArrayList<>();

  @Override
  public void commandChanged(int oldCommand, int newCommand) {
    events.add(String.format("command %04x->%04x", oldCommand, newCommand));
  }

  @Override
  public void msiChanged(boolean enabled) {
    events.add("msi " + enabled);
  }

  @Override
  public void msiVectorUnmasked(int vector) {
    events.add("msi unmasked " + vector);
  }

  @Override
  public void msixChanged(boolean enabled, boolean functionMasked) {
    events.add("msix " + enabled + " masked " + functionMasked);
  }

  @Override
  public void resetRequested(ResetReason reason) {
    events.add("reset " + reason);
  }

  @Override
  public void iommuEnablesChanged(IommuEnables enables) {
    events.add("iommu " + enables);
  }

  List<String> take() {
    List<String> copy = List.copyOf(events);
    events.clear();
    return copy;
  }
}

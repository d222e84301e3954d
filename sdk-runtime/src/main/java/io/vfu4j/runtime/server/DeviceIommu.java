package io.vfu4j.runtime.server;

import io.vfu4j.api.Iommu;
import io.vfu4j.runtime.pci.IommuEnables;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/** The device's view of its ATS/PRI/PASID enables ({@code DeviceContext.iommu()}). */
final class DeviceIommu implements Iommu {
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final System.Logger log;
  private volatile IommuEnables current = IommuEnables.DISABLED;

  DeviceIommu(System.Logger log) {
    this.log = log;
  }

  /** Takes the new state and tells the listeners; on the device thread. */
  void update(IommuEnables enables) {
    if (enables.equals(current)) {
      return;
    }
    current = enables;
    for (Listener listener : listeners) {
      try {
        listener.iommuChanged(this);
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "IOMMU listener failed", e);
      }
    }
  }

  @Override
  public boolean atsEnabled() {
    return current.atsEnabled();
  }

  @Override
  public int stu() {
    return current.stu();
  }

  @Override
  public boolean priEnabled() {
    return current.priEnabled();
  }

  @Override
  public int priAllocation() {
    return current.priAllocation();
  }

  @Override
  public boolean pasidEnabled() {
    return current.pasidEnabled();
  }

  @Override
  public boolean pasidExecute() {
    return current.pasidExecute();
  }

  @Override
  public boolean pasidPrivileged() {
    return current.pasidPrivileged();
  }

  @Override
  public void addListener(Listener listener) {
    listeners.add(Objects.requireNonNull(listener));
  }

  @Override
  public String toString() {
    return current.toString();
  }
}

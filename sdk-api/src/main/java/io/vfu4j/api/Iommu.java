package io.vfu4j.api;

/**
 * What the guest enabled of the device's address-translation capabilities (PCIe ATS, PRI and
 * PASID), as its config space says now. A device without these capabilities sees everything
 * disabled. Linux enables PASID first, then ATS, then PRI; a reset (FLR, DEVICE_RESET, client
 * loss) disables them all again.
 *
 * <p>Read it on the device thread. Listeners are called there too, after the config write (or
 * reset) that changed something, before the client gets the reply to that write.
 */
public interface Iommu {
  /** ATS Control Enable: the device may request and cache translations. */
  boolean atsEnabled();

  /** ATS Smallest Translation Unit: translations cover at least {@code 4096 << stu()} bytes. */
  int stu();

  /** PRI Control Enable: the device may send page requests. */
  boolean priEnabled();

  /** Outstanding Page Request Allocation software granted to the device. */
  int priAllocation();

  /** PASID Control Enable: requests may carry a PASID. */
  boolean pasidEnabled();

  /** PASID Execute Permission Enable (false while PASID is disabled). */
  boolean pasidExecute();

  /** PASID Privileged Mode Enable (false while PASID is disabled). */
  boolean pasidPrivileged();

  /**
   * Registers {@code listener}, called on the device thread each time any of the values above
   * changes; it receives this object, already showing the new values.
   */
  void addListener(Listener listener);

  /** Hears about changes of the enabled state. */
  @FunctionalInterface
  interface Listener {
    /** Called on the device thread after a change. */
    void iommuChanged(Iommu iommu);
  }

  /** Everything disabled and never changing: for contexts without these capabilities. */
  Iommu DISABLED = new Iommu() {
    @Override
    public boolean atsEnabled() {
      return false;
    }

    @Override
    public int stu() {
      return 0;
    }

    @Override
    public boolean priEnabled() {
      return false;
    }

    @Override
    public int priAllocation() {
      return 0;
    }

    @Override
    public boolean pasidEnabled() {
      return false;
    }

    @Override
    public boolean pasidExecute() {
      return false;
    }

    @Override
    public boolean pasidPrivileged() {
      return false;
    }

    @Override
    public void addListener(Listener listener) {}
  };
}

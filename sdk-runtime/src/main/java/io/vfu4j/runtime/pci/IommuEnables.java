package io.vfu4j.runtime.pci;

/**
 * What the guest has enabled of ATS, PRI and PASID: the state the DMA engine (ATC, page requests,
 * PASID-tagged requests) must honour.
 *
 * @param atsEnabled ATS Control Enable: the device may request translations and cache them
 * @param stu ATS Smallest Translation Unit: translations cover at least {@code 4096 << stu} bytes
 * @param priEnabled PRI Control Enable: the device may send page requests
 * @param priAllocation Outstanding Page Request Allocation granted by software
 * @param pasidEnabled PASID Control Enable: requests may carry a PASID
 * @param pasidExecute Execute Permission Enable
 * @param pasidPrivileged Privileged Mode Enable
 */
public record IommuEnables(boolean atsEnabled, int stu, boolean priEnabled, int priAllocation,
    boolean pasidEnabled, boolean pasidExecute, boolean pasidPrivileged) {
  /** Everything off: the reset state, and the state of a function without these capabilities. */
  public static final IommuEnables DISABLED = new IommuEnables(false, 0, false, 0, false, false, false);

  /** The smallest translation unit in bytes. */
  public long stuBytes() {
    return 4096L << stu;
  }
}

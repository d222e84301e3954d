package io.vfu4j.runtime.irq;

/**
 * What the interrupt logic needs from the device's PCI configuration: which mechanism the guest
 * enabled and where to report state back. The server adapts its config space to it.
 */
public interface InterruptState {
  /** Command register bit 10 (Interrupt Disable). */
  boolean intxDisabled();

  /** MSI Enable of the MSI capability; false without one. */
  boolean msiEnabled();

  /** MSI-X Enable of the MSI-X capability; false without one. */
  boolean msixEnabled();

  /**
   * Number of MSI vectors the guest enabled (1 &lt;&lt; Multiple Message Enable). The default
   * allows every vector the device has.
   */
  default int msiEnabledVectors() {
    return 32;
  }

  /** Per-vector mask bit of MSI {@code vector} (MSI with per-vector masking); false otherwise. */
  default boolean msiVectorMasked(int vector) {
    return false;
  }

  /** Sets or clears the MSI Pending Bits bit of {@code vector} (ignored without per-vector masking). */
  default void setMsiPending(int vector, boolean pending) {}

  /** MSI-X Function Mask. */
  default boolean msixFunctionMasked() {
    return false;
  }

  /** Mask bit of MSI-X table entry {@code vector}, for a server that emulates the table. */
  default boolean msixVectorMasked(int vector) {
    return false;
  }

  /** Sets or clears the pending bit of {@code vector} in the MSI-X PBA. */
  default void setMsixPending(int vector, boolean pending) {}

  /** Sets Status register bit 3 (Interrupt Status), which must equal the INTx level. */
  void setInterruptStatus(boolean level);
}

package io.vfu4j.api;

/**
 * Interrupt delivery. The runtime picks the mechanism the guest enabled: MSI-X, then MSI, then
 * the INTx pin, and honours masking and the Command register's Interrupt Disable bit.
 */
public interface Interrupts {
  /**
   * Signals {@code vector}. With MSI-X or MSI enabled this sends that message (a masked MSI-X
   * vector becomes pending and fires on unmask). Otherwise it asserts the INTx level, which stays
   * asserted until {@link #lower(int)}.
   */
  void raise(int vector);

  /** Deasserts the INTx level raised for {@code vector}; no effect on message interrupts. */
  void lower(int vector);

  /** True while the guest has MSI enabled. */
  boolean msiEnabled();

  /** True while the guest has MSI-X enabled. */
  boolean msixEnabled();

  /** The current INTx level as the device drives it (before Interrupt Disable). */
  boolean intxAsserted();
}

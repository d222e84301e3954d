package io.vfu4j.api;

/** The legacy interrupt pin a function uses, as written to config offset 0x3d. */
public enum InterruptPin {
  /** No INTx: config value 0. */
  NONE,
  /** INTA#: config value 1. */
  INTA,
  /** INTB#: config value 2. */
  INTB,
  /** INTC#: config value 3. */
  INTC,
  /** INTD#: config value 4. */
  INTD;

  /** The value of the Interrupt Pin register. */
  public int configValue() {
    return ordinal();
  }
}

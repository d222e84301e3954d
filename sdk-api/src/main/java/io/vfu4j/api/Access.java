package io.vfu4j.api;

/** Software access to a register or field, as seen by the driver (SystemRDL's {@code sw}). */
public enum Access {
  /** Read-write. */
  RW,
  /** Read-only: writes are ignored. */
  RO,
  /** Write-only: reads return zero. */
  WO
}

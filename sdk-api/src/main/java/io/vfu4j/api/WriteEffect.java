package io.vfu4j.api;

/** What a write does to the bits of a field (QEMU's {@code hw/register.h}, SystemRDL's {@code onwrite}). */
public enum WriteEffect {
  /** The written value is stored. */
  NORMAL,
  /** Write 1 to clear: each 1 bit written clears the stored bit; 0 bits leave it. */
  W1C,
  /** Write 1 to set: each 1 bit written sets the stored bit. */
  W1S,
  /** Write 0 to clear: each 0 bit written clears the stored bit. */
  W0C,
  /** Write 1 to toggle: each 1 bit written inverts the stored bit. */
  W1T
}

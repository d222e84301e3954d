package io.vfu4j.api.capability;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * MSI-X capability (ID 0x11). The table (16 bytes a vector) and the Pending Bit Array live in
 * BARs; the runtime emulates both, and they must not overlap registers.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface MsiX {
  /** Number of vectors, 1..2048. */
  int vectors();

  /** BAR index of the table. */
  int tableBar();

  /** Offset of the table in its BAR, 8-byte aligned. */
  long tableOffset();

  /** BAR index of the Pending Bit Array. */
  int pbaBar();

  /** Offset of the PBA in its BAR, 8-byte aligned. */
  long pbaOffset();
}

package io.vfu4j.api.capability;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Advanced Error Reporting extended capability (ID 0x0001, version 2). PCIe only. The status
 * registers are write-1-to-clear; masks and severity are read-write.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Aer {
  /** Uncorrectable Error Severity reset value (PCIe default 0x00462030). */
  int uncorrectableSeverity() default 0x00462030;

  /** ECRC generation capable. */
  boolean ecrcGeneration() default false;

  /** ECRC check capable. */
  boolean ecrcCheck() default false;
}

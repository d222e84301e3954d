package io.vfu4j.api.capability;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** PCI Power Management capability (ID 0x01): D-states the function supports. */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface PowerManagement {
  /** D1 supported. */
  boolean d1() default false;

  /** D2 supported. */
  boolean d2() default false;

  /**
   * No_Soft_Reset: a D3hot to D0 transition keeps the function's state. When false the runtime
   * resets the device on that transition ({@link io.vfu4j.api.ResetReason#POWER_STATE}).
   */
  boolean noSoftReset() default true;

  /** PME_Support bits 15:11 of the PMC register (bit 0 of this value = PME from D0). */
  int pmeSupport() default 0;
}

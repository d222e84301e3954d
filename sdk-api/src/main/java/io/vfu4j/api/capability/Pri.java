package io.vfu4j.api.capability;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Page Request Interface extended capability (ID 0x0013). PCIe only, and requires {@link Ats}. */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Pri {
  /** Outstanding Page Request Capacity: how many page requests the device may have in flight. */
  int outstandingCapacity() default 32;

  /** PRG Response PASID Required (status bit 15). */
  boolean pasidRequired() default false;
}

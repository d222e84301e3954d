package io.vfu4j.api.capability;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Process Address Space ID extended capability (ID 0x001B). PCIe only. */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Pasid {
  /** Max PASID Width in bits, 1..20. */
  int width() default 20;

  /** Execute Permission Supported. */
  boolean execute() default false;

  /** Privileged Mode Supported. */
  boolean privileged() default false;
}

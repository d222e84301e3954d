package io.vfu4j.api.capability;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** MSI capability (ID 0x05). */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Msi {
  /** Number of vectors requested: 1, 2, 4, 8, 16 or 32. */
  int vectors() default 1;

  /** 64-bit message address capable. */
  boolean address64() default true;

  /** Per-vector masking (adds the Mask and Pending registers). */
  boolean perVectorMask() default false;
}

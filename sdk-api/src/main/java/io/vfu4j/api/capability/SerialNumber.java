package io.vfu4j.api.capability;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Device Serial Number extended capability (ID 0x0003): a 64-bit EUI-64 serial number. PCIe only. */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface SerialNumber {
  /** The serial number. */
  long value();
}

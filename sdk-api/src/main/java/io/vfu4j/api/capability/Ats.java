package io.vfu4j.api.capability;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Address Translation Services extended capability (ID 0x000F). PCIe only. The device may cache
 * translations; the runtime keeps that cache and honours invalidations.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Ats {
  /** Invalidate Queue Depth, 0..31 (0 means 32). */
  int invalidateQueueDepth() default 0;

  /** Page Aligned Request: untranslated addresses in requests are 4 KiB aligned. */
  boolean pageAlignedRequest() default true;

  /** Global Invalidate supported (needs PASID). */
  boolean globalInvalidate() default false;
}

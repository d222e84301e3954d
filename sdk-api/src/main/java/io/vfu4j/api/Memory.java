package io.vfu4j.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A plain memory range inside a BAR (a buffer, a RAM window), declared on a field of type
 * {@link java.lang.foreign.MemorySegment} that the runtime fills in before the device is used.
 *
 * <p>With {@link #mmap()} the range is backed by shared memory that the client may map directly
 * into the guest (a sparse mmap area), so guest accesses to it never reach the device thread.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Memory {
  /** The BAR that holds the range. */
  int bar();

  /** Byte offset within the BAR; page-aligned (4 KiB) when {@link #mmap()} is set. */
  long offset();

  /** Size in bytes; a multiple of 4 KiB when {@link #mmap()} is set. */
  long size();

  /** Back the range by shared memory that the client may mmap. */
  boolean mmap() default false;

  /** Guest access to the range; {@link Access#RO} drops guest writes. */
  Access access() default Access.RW;
}

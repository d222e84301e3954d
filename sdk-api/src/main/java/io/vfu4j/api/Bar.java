package io.vfu4j.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a Base Address Register. Registers and memory ranges name the BAR by {@link #index()}.
 *
 * <p>Sizes are powers of two: at least 16 bytes for memory BARs and 4 bytes for I/O BARs. A
 * {@link Type#MEMORY64} BAR consumes two indices (n and n+1), so it cannot start at index 5.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@Repeatable(Bars.class)
public @interface Bar {
  /** BAR index, 0..5. */
  int index();

  /** Size in bytes, a power of two. */
  long size();

  /** Address space and width of the BAR. */
  Type type() default Type.MEMORY32;

  /** Prefetchable memory (reads have no side effects); memory BARs only. */
  boolean prefetchable() default false;

  /** The kind of BAR, which fixes its low type bits in config space. */
  enum Type {
    /** 32-bit memory BAR. */
    MEMORY32,
    /** 64-bit memory BAR; takes this index and the next. */
    MEMORY64,
    /** I/O port BAR. */
    IO
  }
}

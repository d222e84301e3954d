package io.vfu4j.api;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A bit field of a {@link Register}. Bits of a register that no field covers are reserved:
 * they read as zero and ignore writes.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({})
public @interface Field {
  /** Field name, unique within its register; hooks refer to it as {@code "register.field"}. */
  String name();

  /** Bit range, {@code "msb:lsb"} or a single bit {@code "n"}, e.g. {@code "7"} or {@code "31:8"}. */
  String bits();

  /** Software access. */
  Access access() default Access.RW;

  /** Effect of a write on the stored bits. */
  WriteEffect onWrite() default WriteEffect.NORMAL;

  /** Effect of a read on the stored bits. */
  ReadEffect onRead() default ReadEffect.NONE;

  /** Reset value of the field, in field units (not shifted). */
  long reset() default 0;
}

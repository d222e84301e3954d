package io.vfu4j.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A register in a BAR, declared on the field that holds its value.
 *
 * <p>The field's type follows the width: {@code byte} for 1, {@code short} for 2, {@code int}
 * for 4 and {@code long} for 8 bytes; an array of that type for a register array
 * ({@link #count()} &gt; 1). The field must not be private or final. The generated code keeps
 * the field equal to the register's stored value, so device code may read it directly and
 * write it to model hardware-side changes.
 *
 * <pre>{@code
 * @Register(bar = 0, offset = 0x20, fields = {
 *     @Field(name = "computing", bits = "0", access = Access.RO),
 *     @Field(name = "irqOnDone", bits = "7")})
 * int status;
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Register {
  /** The BAR that holds the register. */
  int bar();

  /** Byte offset within the BAR; a multiple of the width. */
  long offset();

  /** Width in bytes: 1, 2, 4 or 8. */
  int width() default 4;

  /** Register name used by hooks; defaults to the Java field name. */
  String name() default "";

  /**
   * Access sizes in bytes that the register accepts; default: only its width. An access of
   * another size reads all ones and its write is dropped (what real hardware on the bus does).
   * What a size smaller than the width does is {@link #narrowAccess()}.
   */
  int[] accessSizes() default {};

  /**
   * What an allowed access narrower than the register does: reach the addressed bytes
   * ({@link NarrowAccess#BYTE_LANES}, the default) or act on the whole register at its own offset
   * only ({@link NarrowAccess#WHOLE_REGISTER}, as QEMU's edu DMA registers). {@code
   * WHOLE_REGISTER} needs an access size smaller than the width in {@link #accessSizes()}.
   *
   * <pre>{@code
   * // A 4-byte write to 0x80 sets the register to the zero-extended value; 0x84 does not decode.
   * @Register(bar = 0, offset = 0x80, width = 8, accessSizes = {4, 8},
   *     narrowAccess = NarrowAccess.WHOLE_REGISTER)
   * long dmaSource;
   * }</pre>
   */
  NarrowAccess narrowAccess() default NarrowAccess.BYTE_LANES;

  /** Software access of the whole register when it has no {@link #fields()}. */
  Access access() default Access.RW;

  /**
   * Reads of this write-only register are not decoded: they return all ones of the access size,
   * as the bus does for an offset no register claims, instead of the zero {@link Access#WO}
   * reads as otherwise. Writes work as usual. This models devices whose read handler has no case
   * for a write-only offset, such as the interrupt raise and acknowledge registers (0x60, 0x64)
   * of QEMU's {@code edu} device. Needs {@code access = Access.WO}, no {@link #fields()}, no
   * {@link #onRead()} effect and no {@code @OnRead} hook (a read never reaches the register).
   *
   * <pre>{@code
   * @Register(bar = 0, offset = 0x60, access = Access.WO, readsAllOnes = true)
   * int interruptRaise;
   * }</pre>
   */
  boolean readsAllOnes() default false;

  /** Write effect of the whole register when it has no {@link #fields()}. */
  WriteEffect onWrite() default WriteEffect.NORMAL;

  /** Read effect of the whole register when it has no {@link #fields()}. */
  ReadEffect onRead() default ReadEffect.NONE;

  /** Reset value of the whole register (fields' own reset values are OR-ed in). */
  long reset() default 0;

  /** Bit fields; when present, bits outside every field are reserved. */
  Field[] fields() default {};

  /** Number of elements of a register array; the field must then be an array. */
  int count() default 1;

  /** Distance in bytes between array elements; default: the width. */
  long stride() default 0;

  /**
   * Reads have side effects ("precious", SystemRDL's {@code rclr} family or a read hook with
   * effects): state save and debug dumps must not read it through the bus path.
   */
  boolean precious() default false;
}

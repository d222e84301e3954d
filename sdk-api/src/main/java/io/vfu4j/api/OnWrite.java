package io.vfu4j.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A method called when the guest writes a register ({@code "name"}) or a field
 * ({@code "register.field"}). The access policy (read-only bits, W1C, reserved bits…) is applied
 * first; the hook sees the result. Allowed signatures, where {@code T} is the register's field
 * type (for a field: its value shifted down to bit 0):
 *
 * <ul>
 *   <li>{@code T m(T newValue)} or {@code T m(T oldValue, T newValue)}: called before the value is
 *       stored; returns the value to store instead;
 *   <li>{@code void m()}, {@code void m(T newValue)} or {@code void m(T oldValue, T newValue)}:
 *       called after the value is stored (a side effect such as starting a DMA).
 * </ul>
 *
 * For a register array add a leading {@code int index} parameter. A field hook runs only when
 * the access touches the field's bytes; several hooks of one register run in declaration order.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface OnWrite {
  /** Register or {@code register.field} name. */
  String value();
}

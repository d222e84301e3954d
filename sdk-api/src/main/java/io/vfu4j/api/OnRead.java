package io.vfu4j.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A method called when the guest reads a register ({@code "name"}) or a field
 * ({@code "register.field"}), before the read effects are applied. Allowed signatures, where
 * {@code T} is the register's field type (a field hook uses {@code T} of its register too,
 * holding the field's value shifted down to bit 0):
 *
 * <ul>
 *   <li>{@code void m()}: refresh the stored value before it is returned;
 *   <li>{@code T m(T stored)}: return the value the guest sees; the stored value is unchanged.
 * </ul>
 *
 * For a register array add a leading {@code int index} parameter. A field hook runs only when
 * the access touches the field's bytes; several hooks of one register run in declaration order.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface OnRead {
  /** Register or {@code register.field} name. */
  String value();
}

package io.vfu4j.processor.model;

/**
 * A resolved hook method. {@code register} is null for a reset hook; {@code field} is null for a
 * register hook. {@code params} counts the value parameters (old/new), not the array index.
 */
public record HookModel(Kind kind, String method, RegisterModel register, FieldModel field,
    int params, boolean returnsValue, boolean takesReason, Source source) {

  /** When the hook runs. */
  public enum Kind {
    READ, WRITE, RESET
  }

  /** A write hook that returns the value to store runs before the store; others after. */
  public boolean beforeStore() {
    return kind == Kind.WRITE && returnsValue;
  }
}

package io.vfu4j.processor.gen;

import io.vfu4j.api.Access;
import io.vfu4j.api.ReadEffect;
import io.vfu4j.api.WriteEffect;
import io.vfu4j.processor.model.FieldModel;
import io.vfu4j.processor.model.RegisterModel;

/**
 * The policy of a register folded into masks at compile time: each field (or the whole register
 * when it has none) contributes its bits to the mask of its access and effects. Bits no field
 * covers are reserved: in no mask, so they read zero and keep their value.
 */
record PolicyMasks(long readable, long writable, long w1c, long w1s, long w0c, long w1t,
    long clearOnRead, long setOnRead) {

  static PolicyMasks of(RegisterModel r) {
    Builder b = new Builder();
    if (r.fields().isEmpty()) {
      b.add(r.widthMask(), r.access(), r.onWrite(), r.onRead());
    } else {
      for (FieldModel f : r.fields()) {
        b.add(f.mask(), f.access(), f.onWrite(), f.onRead());
      }
    }
    return new PolicyMasks(b.readable, b.writable, b.w1c, b.w1s, b.w0c, b.w1t, b.clearOnRead,
        b.setOnRead);
  }

  /** The register's reset value with every field's reset value OR-ed in at its position. */
  static long resetValue(RegisterModel r) {
    long value = r.reset();
    for (FieldModel f : r.fields()) {
      value |= (f.reset() << f.lsb()) & f.mask();
    }
    return value & r.widthMask();
  }

  boolean readHasEffect() {
    return (clearOnRead | setOnRead) != 0;
  }

  private static final class Builder {
    long readable, writable, w1c, w1s, w0c, w1t, clearOnRead, setOnRead;

    void add(long mask, Access access, WriteEffect onWrite, ReadEffect onRead) {
      if (access != Access.WO) {
        readable |= mask;
      }
      if (access != Access.RO) {
        switch (onWrite) {
          case NORMAL -> writable |= mask;
          case W1C -> w1c |= mask;
          case W1S -> w1s |= mask;
          case W0C -> w0c |= mask;
          case W1T -> w1t |= mask;
        }
      }
      switch (onRead) {
        case CLEAR -> clearOnRead |= mask;
        case SET -> setOnRead |= mask;
        case NONE -> { }
      }
    }
  }
}

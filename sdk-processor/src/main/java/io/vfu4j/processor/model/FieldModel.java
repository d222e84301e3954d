package io.vfu4j.processor.model;

import io.vfu4j.api.Access;
import io.vfu4j.api.ReadEffect;
import io.vfu4j.api.WriteEffect;

/** One {@code @Field}: bits {@code msb..lsb} of its register. */
public record FieldModel(String name, int msb, int lsb, Access access, WriteEffect onWrite,
    ReadEffect onRead, long reset, Source source) {

  /** Width in bits. */
  public int bitWidth() {
    return msb - lsb + 1;
  }

  /** The field's bits in register position. */
  public long mask() {
    return bitWidth() == 64 ? -1L : ((1L << bitWidth()) - 1) << lsb;
  }
}

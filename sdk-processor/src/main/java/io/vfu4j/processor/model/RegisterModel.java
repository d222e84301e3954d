package io.vfu4j.processor.model;

import io.vfu4j.api.Access;
import io.vfu4j.api.ReadEffect;
import io.vfu4j.api.WriteEffect;
import java.util.List;

/**
 * One {@code @Register}: a scalar ({@code count == 1}) or an array of {@code count} elements
 * {@code stride} bytes apart. {@code fieldName} is the Java field that stores it.
 */
public record RegisterModel(String name, String fieldName, int bar, long offset, int width,
    int count, long stride, int accessSizes, Access access, WriteEffect onWrite, ReadEffect onRead,
    long reset, boolean precious, List<FieldModel> fields, Source source) {

  public RegisterModel {
    fields = List.copyOf(fields);
  }

  /** All bits of the register. */
  public long widthMask() {
    return width == 8 ? -1L : (1L << (width * 8)) - 1;
  }

  /** Bytes from the first element's start to the last element's end. */
  public long span() {
    return (count - 1) * stride + width;
  }

  /** Offset just past the last element. */
  public long end() {
    return offset + span();
  }

  /** True for a register array. */
  public boolean isArray() {
    return count > 1;
  }

  /** The smallest allowed access size ({@code accessSizes} is a bit set of the sizes 1, 2, 4, 8). */
  public int smallestAccess() {
    return Integer.lowestOneBit(accessSizes);
  }

  /** The field with this name, or null. */
  public FieldModel field(String fieldName) {
    for (FieldModel f : fields) {
      if (f.name().equals(fieldName)) {
        return f;
      }
    }
    return null;
  }
}

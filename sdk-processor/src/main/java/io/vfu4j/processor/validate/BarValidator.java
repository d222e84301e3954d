package io.vfu4j.processor.validate;

import io.vfu4j.api.Bar;
import io.vfu4j.processor.diag.Diagnostic;
import io.vfu4j.processor.diag.Message;
import io.vfu4j.processor.model.BarModel;
import java.util.ArrayList;
import java.util.List;

/** BAR indices and sizes. */
public final class BarValidator {
  private BarValidator() {}

  public static List<Diagnostic> validate(List<BarModel> bars) {
    List<Diagnostic> errors = new ArrayList<>();
    BarModel[] taken = new BarModel[7];
    for (BarModel bar : bars) {
      int i = bar.index();
      if (i < 0 || i > 5) {
        errors.add(Diagnostic.error(bar.source(), "index", Message.BAR_INDEX, i));
        continue;
      }
      if (bar.type() == Bar.Type.MEMORY64 && i == 5) {
        errors.add(Diagnostic.error(bar.source(), "type", Message.BAR64_LAST_INDEX, i));
      }
      for (int slot = i; slot <= Math.min(bar.lastIndex(), 5); slot++) {
        if (taken[slot] != null) {
          BarModel other = taken[slot];
          String by = other.index() == slot ? "BAR" + slot
              : "the upper half of 64-bit BAR" + other.index();
          errors.add(Diagnostic.error(bar.source(), "index", Message.BAR_DUPLICATE, slot, by));
        } else {
          taken[slot] = bar;
        }
      }
      size(bar, errors);
    }
    return errors;
  }

  private static void size(BarModel bar, List<Diagnostic> errors) {
    long size = bar.size();
    boolean io = bar.type() == Bar.Type.IO;
    long min = io ? 4 : 16;
    if (size <= 0 || Long.bitCount(size) != 1) {
      long suggestion = size <= min ? min : Long.highestOneBit(size) << 1;
      errors.add(Diagnostic.error(bar.source(), "size", Message.BAR_SIZE_POWER_OF_TWO,
          bar.index(), size, suggestion));
    } else if (size < min) {
      errors.add(Diagnostic.error(bar.source(), "size", Message.BAR_TOO_SMALL, bar.index(), size,
          min, io ? "n I/O" : " memory", min));
    } else if (io && size > 256) {
      errors.add(Diagnostic.error(bar.source(), "size", Message.BAR_IO_TOO_LARGE, bar.index(), size));
    }
    if (io && bar.prefetchable()) {
      errors.add(Diagnostic.error(bar.source(), "prefetchable", Message.BAR_PREFETCH_IO, bar.index()));
    }
  }
}

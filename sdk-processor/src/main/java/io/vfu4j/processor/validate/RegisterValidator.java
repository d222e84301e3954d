package io.vfu4j.processor.validate;

import io.vfu4j.processor.diag.Diagnostic;
import io.vfu4j.processor.diag.Message;
import io.vfu4j.processor.model.FieldModel;
import io.vfu4j.processor.model.RegisterModel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Each register on its own: alignment, stride, reset value, fields. */
public final class RegisterValidator {
  private RegisterValidator() {}

  public static List<Diagnostic> validate(List<RegisterModel> registers) {
    List<Diagnostic> errors = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (RegisterModel r : registers) {
      if (!names.add(r.name())) {
        errors.add(Diagnostic.error(r.source(), "name", Message.REGISTER_DUPLICATE_NAME, r.name()));
      }
      if (r.offset() < 0 || r.offset() % r.width() != 0) {
        errors.add(Diagnostic.error(r.source(), "offset", Message.REGISTER_MISALIGNED, r.name(),
            r.offset(), r.width(), r.width()));
      }
      if (r.isArray() && (r.stride() < r.width() || r.stride() % r.width() != 0)) {
        errors.add(Diagnostic.error(r.source(), "stride", Message.REGISTER_STRIDE, r.name(),
            r.stride(), r.width(), r.width()));
      }
      if ((r.reset() & ~r.widthMask()) != 0) {
        errors.add(Diagnostic.error(r.source(), "reset", Message.REGISTER_RESET_WIDE, r.reset(),
            r.name(), r.width(), r.widthMask() + 1));
      }
      fields(r, errors);
    }
    return errors;
  }

  private static void fields(RegisterModel r, List<Diagnostic> errors) {
    int bits = r.width() * 8;
    List<FieldModel> seen = new ArrayList<>();
    for (FieldModel f : r.fields()) {
      if (f.msb() >= bits) {
        errors.add(Diagnostic.error(f.source(), "bits", Message.FIELD_OUTSIDE, f.name(), f.msb(),
            f.lsb(), r.name(), bits, bits - 1));
        continue;
      }
      for (FieldModel other : seen) {
        if (other.name().equals(f.name())) {
          errors.add(Diagnostic.error(f.source(), "name", Message.FIELD_DUPLICATE, f.name(), r.name()));
        } else if ((other.mask() & f.mask()) != 0) {
          errors.add(Diagnostic.error(f.source(), "bits", Message.FIELD_OVERLAP, f.name(), f.msb(),
              f.lsb(), other.name(), other.msb(), other.lsb(), r.name()));
        }
      }
      long fieldMax = f.bitWidth() == 64 ? -1L : (1L << f.bitWidth()) - 1;
      if ((f.reset() & ~fieldMax) != 0) {
        errors.add(Diagnostic.error(f.source(), "reset", Message.FIELD_RESET_WIDE, f.reset(),
            f.name(), f.bitWidth(), fieldMax + 1));
      }
      seen.add(f);
    }
  }
}

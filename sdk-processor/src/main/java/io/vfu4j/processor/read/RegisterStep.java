package io.vfu4j.processor.read;

import io.vfu4j.api.Access;
import io.vfu4j.api.NarrowAccess;
import io.vfu4j.api.ReadEffect;
import io.vfu4j.api.WriteEffect;
import io.vfu4j.processor.diag.Diagnostic;
import io.vfu4j.processor.diag.Message;
import io.vfu4j.processor.diag.Report;
import io.vfu4j.processor.model.FieldModel;
import io.vfu4j.processor.model.RegisterModel;
import io.vfu4j.processor.model.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/**
 * Reads every {@code @Register} field with its {@code @Field}s. Checks what only makes sense per
 * declaration (Java field shape and type, bits syntax, access sizes, narrow access); the layout is checked by
 * the validators.
 */
final class RegisterStep {
  private static final Pattern BITS = Pattern.compile("\\s*(\\d{1,2})\\s*(?::\\s*(\\d{1,2})\\s*)?");

  private final Elements elements;

  RegisterStep(Elements elements) {
    this.elements = elements;
  }

  Report<List<RegisterModel>> read(TypeElement type) {
    List<RegisterModel> registers = new ArrayList<>();
    List<Diagnostic> errors = new ArrayList<>();
    for (VariableElement field : ElementFilter.fieldsIn(type.getEnclosedElements())) {
      AnnotationMirror mirror = Values.find(elements, field, Names.REGISTER);
      if (mirror != null) {
        RegisterModel r = read(type, field, mirror, errors);
        if (r != null) {
          registers.add(r);
        }
      }
    }
    return new Report<>(registers, errors);
  }

  private RegisterModel read(TypeElement type, VariableElement field, AnnotationMirror mirror,
      List<Diagnostic> errors) {
    Source source = new Source(field, mirror);
    Values v = new Values(elements, mirror);
    String fieldName = field.getSimpleName().toString();
    String name = v.s("name").isEmpty() ? fieldName : v.s("name");
    int before = errors.size();
    if (field.getModifiers().contains(Modifier.PRIVATE)) {
      errors.add(Diagnostic.error(source, null, Message.REGISTER_FIELD_PRIVATE, fieldName,
          type.getSimpleName() + "_Registers"));
    }
    if (field.getModifiers().contains(Modifier.FINAL)) {
      errors.add(Diagnostic.error(source, null, Message.REGISTER_FIELD_FINAL, fieldName));
    }
    if (field.getModifiers().contains(Modifier.STATIC)) {
      errors.add(Diagnostic.error(source, null, Message.REGISTER_FIELD_STATIC, fieldName));
    }
    int width = v.i("width");
    int count = v.i("count");
    if (width != 1 && width != 2 && width != 4 && width != 8) {
      errors.add(Diagnostic.error(source, "width", Message.REGISTER_WIDTH, name, width));
      return null;
    }
    if (count < 1) {
      errors.add(Diagnostic.error(source, "count", Message.REGISTER_COUNT, name, count));
      return null;
    }
    checkType(source, name, fieldName, field.asType(), width, count, errors);
    long stride = v.l("stride") == 0 ? width : v.l("stride");
    int accessSizes = accessSizes(source, name, v, width, errors);
    NarrowAccess narrowAccess = v.e("narrowAccess", NarrowAccess.class);
    if (narrowAccess == NarrowAccess.WHOLE_REGISTER && Integer.lowestOneBit(accessSizes) >= width) {
      // Without a narrower size no access is ever narrow: the author forgot accessSizes.
      errors.add(Diagnostic.error(source, "narrowAccess", Message.WHOLE_REGISTER_WITHOUT_NARROW_SIZE,
          name, width));
    }
    boolean readsAllOnes = v.b("readsAllOnes");
    Access access = v.e("access", Access.class);
    ReadEffect onRead = v.e("onRead", ReadEffect.class);
    if (readsAllOnes && (access != Access.WO || onRead != ReadEffect.NONE || !v.mirrors("fields").isEmpty())) {
      errors.add(Diagnostic.error(source, "readsAllOnes", Message.READS_ALL_ONES_NOT_WRITE_ONLY, name));
    }
    List<FieldModel> fields = new ArrayList<>();
    for (AnnotationMirror f : v.mirrors("fields")) {
      FieldModel model = field(new Source(field, f), errors);
      if (model != null) {
        fields.add(model);
      }
    }
    if (errors.size() > before) {
      return null;
    }
    return new RegisterModel(name, fieldName, v.i("bar"), v.l("offset"), width, count, stride,
        accessSizes, narrowAccess, readsAllOnes, access, v.e("onWrite", WriteEffect.class), onRead,
        unsignedReset(v.l("reset"), width), v.b("precious"), fields, source);
  }

  /**
   * {@code reset} is a long, so an int literal with its top bit set ({@code 0xce01_0100}) arrives
   * sign-extended. For a 4-byte register take such a value as the 32 bits it was written as; any
   * other value wider than the register is still reported by the validator.
   */
  static long unsignedReset(long reset, int width) {
    boolean intLiteral = width == 4 && reset < 0 && reset >= Integer.MIN_VALUE;
    return intLiteral ? reset & 0xffff_ffffL : reset;
  }


  private static void checkType(Source source, String name, String fieldName, TypeMirror type,
      int width, int count, List<Diagnostic> errors) {
    TypeKind expected = primitiveFor(width);
    String expectedName = expected.name().toLowerCase(java.util.Locale.ROOT);
    if (count > 1) {
      if (type.getKind() != TypeKind.ARRAY
          || ((ArrayType) type).getComponentType().getKind() != expected) {
        errors.add(Diagnostic.error(source, "count", Message.REGISTER_ARRAY_TYPE, name, count,
            fieldName, expectedName));
      }
    } else if (type.getKind() != expected) {
      errors.add(Diagnostic.error(source, "width", Message.REGISTER_TYPE, name, width, fieldName,
          expectedName, type));
    }
  }

  /** The Java type that holds a register of {@code width} bytes. */
  static TypeKind primitiveFor(int width) {
    return switch (width) {
      case 1 -> TypeKind.BYTE;
      case 2 -> TypeKind.SHORT;
      case 4 -> TypeKind.INT;
      default -> TypeKind.LONG;
    };
  }

  private static int accessSizes(Source source, String name, Values v, int width,
      List<Diagnostic> errors) {
    List<Number> sizes = v.numbers("accessSizes");
    if (sizes.isEmpty()) {
      return width;
    }
    int set = 0;
    for (Number n : sizes) {
      int size = n.intValue();
      if (size != 1 && size != 2 && size != 4 && size != 8) {
        errors.add(Diagnostic.error(source, "accessSizes", Message.ACCESS_SIZE_INVALID, size, name));
      } else if (size > width) {
        errors.add(Diagnostic.error(source, "accessSizes", Message.ACCESS_SIZE_WIDER, size, name, width));
      } else {
        set |= size;
      }
    }
    return set;
  }

  private FieldModel field(Source source, List<Diagnostic> errors) {
    Values v = new Values(elements, source.mirror());
    String name = v.s("name");
    String bits = v.s("bits");
    Matcher m = BITS.matcher(bits);
    int msb = -1;
    int lsb = -1;
    if (m.matches()) {
      msb = Integer.parseInt(m.group(1));
      lsb = m.group(2) == null ? msb : Integer.parseInt(m.group(2));
    }
    if (msb < lsb || msb > 63 || lsb < 0) {
      errors.add(Diagnostic.error(source, "bits", Message.BITS_SYNTAX, bits, name));
      return null;
    }
    return new FieldModel(name, msb, lsb, v.e("access", Access.class),
        v.e("onWrite", WriteEffect.class), v.e("onRead", ReadEffect.class), v.l("reset"), source);
  }
}

package io.vfu4j.processor.gen;

import static io.vfu4j.processor.gen.Generated.REGISTER_POLICY;
import static io.vfu4j.processor.gen.Generated.hex;
import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import io.vfu4j.processor.model.DeviceDescription;
import io.vfu4j.processor.model.HookModel;
import io.vfu4j.processor.model.RegisterModel;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Generates {@code <Device>_Registers}: the device's {@code DeviceModel}. Per BAR a switch on the
 * offset finds the register in O(1); each register has a read and a write method that check the
 * access size, pick the bits it touches (its byte lanes, or the whole register for
 * {@code NarrowAccess.WHOLE_REGISTER}), call the hooks and apply the register's
 * {@code RegisterPolicy} constant.
 */
public final class RegistersGenerator {
  private final DeviceDescription device;
  private final ClassName deviceClass;

  private RegistersGenerator(DeviceDescription device) {
    this.device = device;
    this.deviceClass = ClassName.get(device.type());
  }

  public static ClassName className(DeviceDescription device) {
    return Generated.name(device, "Registers");
  }

  public static JavaFile generate(DeviceDescription device) {
    return new RegistersGenerator(device).file();
  }

  private JavaFile file() {
    ClassName name = className(device);
    TypeSpec.Builder type = Generated.classBuilder(device, name)
        .addJavadoc("Register dispatch of {@link $T}: unclaimed offsets read all ones and ignore writes.\n",
            deviceClass)
        .addSuperinterface(Generated.DEVICE_MODEL)
        .addField(FieldSpec.builder(long.class, "LAYOUT_HASH", PRIVATE, STATIC, FINAL)
            .addJavadoc("Identifies the register layout in saved state.\n")
            .initializer(hex(LayoutHash.of(device.registers()))).build());
    for (RegisterModel r : device.registers()) {
      type.addField(FieldSpec.builder(REGISTER_POLICY, policyName(r), PRIVATE, STATIC, FINAL)
          .initializer(policy(r)).build());
    }
    type.addField(deviceClass, "device", PRIVATE, FINAL);
    type.addMethod(MethodSpec.constructorBuilder().addModifiers(PUBLIC)
        .addParameter(deviceClass, "device")
        .addStatement("this.device = device")
        .addStatement("restoreResetValues()")
        .build());
    type.addMethod(dispatch(true));
    type.addMethod(dispatch(false));
    for (int bar : barsWithRegisters()) {
      type.addMethod(barRead(bar));
      type.addMethod(barWrite(bar));
    }
    for (RegisterModel r : device.registers()) {
      type.addMethod(registerRead(r));
      type.addMethod(registerWrite(r));
    }
    type.addMethod(reset());
    type.addMethod(restoreResetValues());
    type.addMethod(saveState());
    type.addMethod(loadState());
    type.addMethod(MethodSpec.methodBuilder("device").addAnnotation(Override.class)
        .addModifiers(PUBLIC).returns(deviceClass).addStatement("return device").build());
    return Generated.file(name, type.build());
  }

  // ---- naming and types

  private static String camel(RegisterModel r) {
    String clean = r.name().replaceAll("[^A-Za-z0-9_]", "_");
    return Character.toUpperCase(clean.charAt(0)) + clean.substring(1);
  }

  private static String policyName(RegisterModel r) {
    return r.name().replaceAll("[^A-Za-z0-9]", "_").replaceAll("([a-z0-9])([A-Z])", "$1_$2")
        .toUpperCase(Locale.ROOT);
  }

  static TypeName primitive(int width) {
    return switch (width) {
      case 1 -> TypeName.BYTE;
      case 2 -> TypeName.SHORT;
      case 4 -> TypeName.INT;
      default -> TypeName.LONG;
    };
  }

  /** A Java value of the register's type widened to an unsigned long. */
  private static CodeBlock unsigned(RegisterModel r, CodeBlock value) {
    return switch (r.width()) {
      case 1 -> CodeBlock.of("($L & 0xffL)", value);
      case 2 -> CodeBlock.of("($L & 0xffffL)", value);
      case 4 -> CodeBlock.of("($L & 0xffffffffL)", value);
      default -> value;
    };
  }

  private static CodeBlock narrow(RegisterModel r, String value) {
    if (r.width() == 8) {
      return CodeBlock.of("$L", value);
    }
    return CodeBlock.of("($T) $L", primitive(r.width()), value);
  }

  private static CodeBlock storage(RegisterModel r) {
    return r.isArray() ? CodeBlock.of("device.$N[index]", r.fieldName())
        : CodeBlock.of("device.$N", r.fieldName());
  }

  // ---- policy

  private static CodeBlock policy(RegisterModel r) {
    PolicyMasks m = PolicyMasks.of(r);
    return CodeBlock.of("new $T($L, $L, $L, $L, $L, $L, $L, $L)", REGISTER_POLICY, hex(m.readable()),
        hex(m.writable()), hex(m.w1c()), hex(m.w1s()), hex(m.w0c()), hex(m.w1t()),
        hex(m.clearOnRead()), hex(m.setOnRead()));
  }

  // ---- dispatch

  private TreeSet<Integer> barsWithRegisters() {
    TreeSet<Integer> bars = new TreeSet<>();
    device.registers().forEach(r -> bars.add(r.bar()));
    return bars;
  }

  private MethodSpec dispatch(boolean read) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(read ? "read" : "write")
        .addAnnotation(Override.class).addModifiers(PUBLIC)
        .addParameter(int.class, "bar").addParameter(long.class, "offset").addParameter(int.class, "size");
    if (read) {
      m.returns(long.class).addCode("return switch (bar) {\n$>");
      for (int bar : barsWithRegisters()) {
        m.addStatement("case $L -> readBar$L(offset, size)", bar, bar);
      }
      m.addStatement("default -> $T.allOnes(size)", REGISTER_POLICY);
      m.addCode("$<};\n");
    } else {
      m.addParameter(long.class, "value").beginControlFlow("switch (bar)");
      for (int bar : barsWithRegisters()) {
        m.addStatement("case $L -> writeBar$L(offset, size, value)", bar, bar);
      }
      m.addCode("default -> { }\n");
      m.endControlFlow();
    }
    return m.build();
  }

  private List<RegisterModel> registersOf(int bar, boolean arrays) {
    List<RegisterModel> out = new ArrayList<>();
    for (RegisterModel r : device.registers()) {
      if (r.bar() == bar && r.isArray() == arrays) {
        out.add(r);
      }
    }
    out.sort((a, b) -> Long.compare(a.offset(), b.offset()));
    return out;
  }

  private MethodSpec barRead(int bar) {
    MethodSpec.Builder m = MethodSpec.methodBuilder("readBar" + bar).addModifiers(PRIVATE)
        .returns(long.class).addParameter(long.class, "offset").addParameter(int.class, "size");
    decode(bar, m, true);
    m.addStatement("return $T.allOnes(size)", REGISTER_POLICY);
    return m.build();
  }

  private MethodSpec barWrite(int bar) {
    MethodSpec.Builder m = MethodSpec.methodBuilder("writeBar" + bar).addModifiers(PRIVATE)
        .addParameter(long.class, "offset").addParameter(int.class, "size")
        .addParameter(long.class, "value");
    decode(bar, m, false);
    return m.build();
  }

  /** Scalars by a switch on every offset an allowed access may start at; arrays by a range test. */
  private void decode(int bar, MethodSpec.Builder m, boolean read) {
    long end = 0;
    for (RegisterModel r : device.registers()) {
      if (r.bar() == bar) {
        end = Math.max(end, r.end());
      }
    }
    m.beginControlFlow("if (offset < 0L || offset >= $L)", hex(end));
    m.addStatement(read ? CodeBlock.of("return $T.allOnes(size)", REGISTER_POLICY) : CodeBlock.of("return"));
    m.endControlFlow();
    List<RegisterModel> scalars = registersOf(bar, false);
    if (!scalars.isEmpty()) {
      m.beginControlFlow("switch ((int) offset)");
      for (RegisterModel r : scalars) {
        List<String> labels = new ArrayList<>();
        long step = r.wholeRegister() ? r.width() : r.smallestAccess();
        for (long at = 0; at < r.width(); at += step) {
          labels.add("0x" + Long.toHexString(r.offset() + at));
        }
        CodeBlock call = read
            ? CodeBlock.of("return read$L(offset - $L, size);", camel(r), hex(r.offset()))
            : CodeBlock.of("write$L(offset - $L, size, value);", camel(r), hex(r.offset()));
        m.addCode("case $L -> {\n$>$L\n$<}\n", String.join(", ", labels), call);
      }
      m.addCode("default -> { }\n");
      m.endControlFlow();
    }
    for (RegisterModel r : registersOf(bar, true)) {
      m.beginControlFlow("if (offset >= $L && offset < $L)", hex(r.offset()), hex(r.end()));
      m.addStatement("long rel = offset - $L", hex(r.offset()));
      m.addStatement("int index = (int) (rel / $L)", hex(r.stride()));
      m.addStatement("long at = rel - index * $L", hex(r.stride()));
      m.beginControlFlow("if (at < $L)", r.width());
      m.addStatement(read ? CodeBlock.of("return read$L(index, at, size)", camel(r))
          : CodeBlock.of("write$L(index, at, size, value)", camel(r)));
      if (!read) {
        m.addStatement("return");
      }
      m.endControlFlow();
      m.endControlFlow();
    }
  }

  // ---- one register

  private List<HookModel> hooks(RegisterModel r, HookModel.Kind kind) {
    List<HookModel> out = new ArrayList<>();
    for (HookModel h : device.hooks()) {
      if (h.kind() == kind && h.register() == r) {
        out.add(h);
      }
    }
    return out;
  }

  private MethodSpec.Builder registerMethod(String name, RegisterModel r) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(name + camel(r)).addModifiers(PRIVATE);
    if (r.isArray()) {
      m.addParameter(int.class, "index");
    }
    return m.addParameter(long.class, "at").addParameter(int.class, "size");
  }

  /**
   * Access sizes are a bit set of 1, 2, 4, 8, so one AND tests membership; misaligned is refused
   * too, and for a whole-register register anything but its own offset.
   */
  private static CodeBlock refused(RegisterModel r, CodeBlock refusal) {
    String placement = r.wholeRegister() ? "at != 0" : "(at & (size - 1)) != 0";
    return CodeBlock.of("if (($L & size) == 0 || $L) {\n$>$L;\n$<}\n", r.accessSizes(), placement,
        refusal);
  }

  /** The bits an access touches: its byte lanes, or every bit for a whole-register register. */
  private static CodeBlock lane(RegisterModel r) {
    return r.wholeRegister() ? CodeBlock.of("long lane = $L", hex(r.widthMask()))
        : CodeBlock.of("long lane = $T.lane(at, size)", REGISTER_POLICY);
  }

  /** Arguments of a hook call: the array index, then the given values. */
  private static CodeBlock args(RegisterModel r, List<CodeBlock> values) {
    List<CodeBlock> all = new ArrayList<>();
    if (r.isArray()) {
      all.add(CodeBlock.of("index"));
    }
    all.addAll(values);
    return CodeBlock.join(all, ", ");
  }

  /** A hook's view of {@code var}: the whole register, or its field shifted down to bit 0. */
  private static CodeBlock view(RegisterModel r, HookModel h, String var) {
    if (h.field() == null) {
      return narrow(r, var);
    }
    String bits = "(" + var + " & " + hex(h.field().mask()) + ")";
    return narrow(r, h.field().lsb() == 0 ? bits : "(" + bits + " >>> " + h.field().lsb() + ")");
  }

  /** {@code var = hook result}, merged into the field's bits for a field hook. */
  private static CodeBlock assignFromHook(RegisterModel r, HookModel h, String var, CodeBlock call) {
    CodeBlock result = unsigned(r, call);
    if (h.field() == null) {
      return CodeBlock.of("$L = $L;\n", var, result);
    }
    String mask = hex(h.field().mask());
    CodeBlock shifted = h.field().lsb() == 0 ? result : CodeBlock.of("($L << $L)", result, h.field().lsb());
    return CodeBlock.of("$L = ($L & ~$L) | ($L & $L);\n", var, var, mask, shifted, mask);
  }

  /** Field hooks run only when the access touches the field. */
  private static CodeBlock guarded(HookModel h, CodeBlock statement) {
    if (h.field() == null) {
      return statement;
    }
    return CodeBlock.of("if ((lane & $L) != 0) {\n$>$L$<}\n", hex(h.field().mask()), statement);
  }

  private MethodSpec registerRead(RegisterModel r) {
    MethodSpec.Builder m = registerMethod("read", r).returns(long.class);
    if (r.readsAllOnes()) {
      return m.addComment("reads are not decoded (readsAllOnes)")
          .addStatement("return $T.allOnes(size)", REGISTER_POLICY).build();
    }
    m.addCode(refused(r, CodeBlock.of("return $T.allOnes(size)", REGISTER_POLICY)));
    m.addStatement(lane(r));
    List<HookModel> hooks = hooks(r, HookModel.Kind.READ);
    for (HookModel h : hooks) {
      if (!h.returnsValue()) {
        m.addCode(guarded(h, CodeBlock.of("device.$N($L);\n", h.method(), args(r, List.of()))));
      }
    }
    m.addStatement("long stored = $L", unsigned(r, storage(r)));
    m.addStatement("long seen = stored");
    for (HookModel h : hooks) {
      if (h.returnsValue()) {
        CodeBlock call = CodeBlock.of("device.$N($L)", h.method(), args(r, List.of(view(r, h, "seen"))));
        m.addCode(guarded(h, assignFromHook(r, h, "seen", call)));
      }
    }
    if (PolicyMasks.of(r).readHasEffect()) {
      m.addStatement("$L = $L", storage(r), narrow(r, policyName(r) + ".afterRead(stored, lane)"));
    }
    if (r.wholeRegister()) {
      m.addStatement("return $N.visible(seen) & $T.allOnes(size)", policyName(r), REGISTER_POLICY);
    } else {
      m.addStatement("return ($N.visible(seen) & lane) >>> (at << 3)", policyName(r));
    }
    return m.build();
  }

  private MethodSpec registerWrite(RegisterModel r) {
    MethodSpec.Builder m = registerMethod("write", r).addParameter(long.class, "value");
    m.addCode(refused(r, CodeBlock.of("return")));
    m.addStatement(lane(r));
    m.addStatement("long old = $L", unsigned(r, storage(r)));
    if (r.wholeRegister()) {
      // The value is zero-extended: a narrow write replaces the whole register.
      m.addStatement("long next = $N.write(old, value & $T.allOnes(size), lane)", policyName(r),
          REGISTER_POLICY);
    } else {
      m.addStatement("long next = $N.write(old, value << (at << 3), lane)", policyName(r));
    }
    List<HookModel> hooks = hooks(r, HookModel.Kind.WRITE);
    for (HookModel h : hooks) {
      if (h.beforeStore()) {
        List<CodeBlock> values = h.params() == 2 ? List.of(view(r, h, "old"), view(r, h, "next"))
            : List.of(view(r, h, "next"));
        CodeBlock call = CodeBlock.of("device.$N($L)", h.method(), args(r, values));
        m.addCode(guarded(h, assignFromHook(r, h, "next", call)));
      }
    }
    m.addStatement("$L = $L", storage(r), narrow(r, "next"));
    for (HookModel h : hooks) {
      if (!h.beforeStore()) {
        List<CodeBlock> values = switch (h.params()) {
          case 0 -> List.of();
          case 1 -> List.of(view(r, h, "next"));
          default -> List.of(view(r, h, "old"), view(r, h, "next"));
        };
        m.addCode(guarded(h, CodeBlock.of("device.$N($L);\n", h.method(), args(r, values))));
      }
    }
    return m.build();
  }

  // ---- reset and state

  private MethodSpec reset() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("reset").addAnnotation(Override.class)
        .addModifiers(PUBLIC).addParameter(Generated.RESET_REASON, "reason")
        .addStatement("restoreResetValues()");
    for (HookModel h : device.hooks()) {
      if (h.kind() == HookModel.Kind.RESET) {
        m.addStatement(h.takesReason() ? "device.$N(reason)" : "device.$N()", h.method());
      }
    }
    return m.build();
  }

  private MethodSpec restoreResetValues() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("restoreResetValues").addModifiers(PRIVATE);
    for (RegisterModel r : device.registers()) {
      CodeBlock value = narrow(r, hex(PolicyMasks.resetValue(r)));
      if (r.isArray()) {
        m.beginControlFlow("if (device.$N == null || device.$N.length != $L)", r.fieldName(),
            r.fieldName(), r.count());
        m.addStatement("device.$N = new $T[$L]", r.fieldName(), primitive(r.width()), r.count());
        m.endControlFlow();
        m.addStatement("$T.fill(device.$N, $L)", java.util.Arrays.class, r.fieldName(), value);
      } else {
        m.addStatement("device.$N = $L", r.fieldName(), value);
      }
    }
    return m.build();
  }

  private static String io(RegisterModel r) {
    return switch (r.width()) {
      case 1 -> "Byte";
      case 2 -> "Short";
      case 4 -> "Int";
      default -> "Long";
    };
  }

  private MethodSpec saveState() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("saveState").addAnnotation(Override.class)
        .addModifiers(PUBLIC).addParameter(DataOutput.class, "out").addException(IOException.class)
        .addStatement("out.writeLong(LAYOUT_HASH)");
    for (RegisterModel r : device.registers()) {
      if (r.isArray()) {
        m.beginControlFlow("for (int i = 0; i < $L; i++)", r.count())
            .addStatement("out.write$L(device.$N[i])", io(r), r.fieldName()).endControlFlow();
      } else {
        m.addStatement("out.write$L(device.$N)", io(r), r.fieldName());
      }
    }
    return m.build();
  }

  /** Reads everything first, so a short or foreign stream leaves the registers untouched. */
  private MethodSpec loadState() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("loadState").addAnnotation(Override.class)
        .addModifiers(PUBLIC).addParameter(DataInput.class, "in").addException(IOException.class)
        .addStatement("long layout = in.readLong()")
        .beginControlFlow("if (layout != LAYOUT_HASH)")
        .addStatement("throw new $T($S + Long.toHexString(layout) + $S + Long.toHexString(LAYOUT_HASH))",
            IOException.class, "saved state has register layout 0x", ", this device has 0x")
        .endControlFlow();
    List<CodeBlock> commits = new ArrayList<>();
    for (RegisterModel r : device.registers()) {
      String local = "v" + camel(r);
      TypeName t = primitive(r.width());
      if (r.isArray()) {
        m.addStatement("$T[] $N = new $T[$L]", t, local, t, r.count());
        m.beginControlFlow("for (int i = 0; i < $L; i++)", r.count())
            .addStatement("$N[i] = in.read$L()", local, io(r)).endControlFlow();
        commits.add(CodeBlock.of("$T.arraycopy($N, 0, device.$N, 0, $L);\n", System.class, local,
            r.fieldName(), r.count()));
      } else {
        m.addStatement("$T $N = in.read$L()", t, local, io(r));
        commits.add(CodeBlock.of("device.$N = $N;\n", r.fieldName(), local));
      }
    }
    commits.forEach(m::addCode);
    return m.build();
  }
}

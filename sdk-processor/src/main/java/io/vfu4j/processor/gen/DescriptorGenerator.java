package io.vfu4j.processor.gen;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeSpec;
import io.vfu4j.processor.model.BarModel;
import io.vfu4j.processor.model.DeviceDescription;
import io.vfu4j.processor.model.MemoryModel;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates {@code <Device>_Descriptor}, the runtime's entry point found with ServiceLoader. The
 * layout sits in a holder class so that creating a device does not build its config space.
 */
public final class DescriptorGenerator {
  private DescriptorGenerator() {}

  public static ClassName className(DeviceDescription device) {
    return Generated.name(device, "Descriptor");
  }

  public static JavaFile generate(DeviceDescription device) {
    ClassName name = className(device);
    ClassName deviceClass = ClassName.get(device.type());
    List<CodeBlock> bars = new ArrayList<>();
    for (BarModel bar : device.bars().stream()
        .sorted((a, b) -> Integer.compare(a.index(), b.index())).toList()) {
      bars.add(CodeBlock.of("new $T($L, $L, $T.Type.$L, $L)", Generated.BAR_LAYOUT, bar.index(),
          Generated.hex(bar.size()), Generated.BAR, bar.type(), bar.prefetchable()));
    }
    List<CodeBlock> ranges = new ArrayList<>();
    for (MemoryModel m : device.memories()) {
      ranges.add(CodeBlock.of("new $T($L, $L, $L, $L, $L)", Generated.MEMORY_RANGE, m.bar(),
          Generated.hex(m.offset()), Generated.hex(m.size()), m.mmap(), m.readOnly()));
    }
    TypeSpec holder = TypeSpec.classBuilder("Layout").addModifiers(PRIVATE, STATIC, FINAL)
        .addField(FieldSpec.builder(Generated.DEVICE_LAYOUT, "VALUE", STATIC, FINAL)
            .initializer("new $T(\n$>$>$T.of($L),\n$T.of($L),\n$T.TEMPLATE$<$<)", Generated.DEVICE_LAYOUT,
                List.class, CodeBlock.join(bars, ", "), List.class, CodeBlock.join(ranges, ", "),
                ConfigSpaceGenerator.className(device))
            .build())
        .build();

    MethodSpec.Builder create = MethodSpec.methodBuilder("create").addAnnotation(Override.class)
        .addModifiers(PUBLIC).returns(Generated.DEVICE_MODEL)
        .addParameter(Generated.DEVICE_CONTEXT, "context")
        .addParameter(ParameterizedTypeName.get(List.class, MemorySegment.class), "memory")
        .addStatement(device.contextConstructor() ? "$T device = new $T(context)" : "$T device = new $T()",
            deviceClass, deviceClass);
    for (int i = 0; i < device.memories().size(); i++) {
      create.addStatement("device.$N = memory.get($L)", device.memories().get(i).fieldName(), i);
    }
    create.addStatement("return new $T(device)", RegistersGenerator.className(device));

    TypeSpec type = Generated.classBuilder(device, name)
        .addJavadoc("Runtime entry point of {@link $T}.\n", deviceClass)
        .addSuperinterface(Generated.DEVICE_DESCRIPTOR)
        .addType(holder)
        .addMethod(MethodSpec.constructorBuilder().addModifiers(PUBLIC).build())
        .addMethod(MethodSpec.methodBuilder("name").addAnnotation(Override.class).addModifiers(PUBLIC)
            .returns(String.class).addStatement("return $S", device.name()).build())
        .addMethod(MethodSpec.methodBuilder("deviceClassName").addAnnotation(Override.class)
            .addModifiers(PUBLIC).returns(String.class)
            .addStatement("return $S", device.type().getQualifiedName().toString()).build())
        .addMethod(MethodSpec.methodBuilder("layout").addAnnotation(Override.class).addModifiers(PUBLIC)
            .returns(Generated.DEVICE_LAYOUT).addStatement("return Layout.VALUE").build())
        .addMethod(create.build())
        .build();
    return Generated.file(name, type);
  }
}

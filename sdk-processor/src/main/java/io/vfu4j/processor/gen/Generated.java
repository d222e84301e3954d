package io.vfu4j.processor.gen;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.TypeSpec;
import io.vfu4j.processor.model.DeviceDescription;

/** Names and common parts of every generated class. */
public final class Generated {
  static final String PROCESSOR = "io.vfu4j.processor.PciDeviceProcessor";
  static final String SPI = "io.vfu4j.runtime.spi";
  static final ClassName REGISTER_POLICY = ClassName.get(SPI, "RegisterPolicy");
  static final ClassName DEVICE_MODEL = ClassName.get(SPI, "DeviceModel");
  static final ClassName DEVICE_DESCRIPTOR = ClassName.get(SPI, "DeviceDescriptor");
  static final ClassName DEVICE_LAYOUT = ClassName.get(SPI, "DeviceLayout");
  static final ClassName BAR_LAYOUT = ClassName.get(SPI, "BarLayout");
  static final ClassName MEMORY_RANGE = ClassName.get(SPI, "MemoryRange");
  static final ClassName CONFIG_SPACE_TEMPLATE = ClassName.get(SPI, "ConfigSpaceTemplate");
  static final ClassName CONFIG_SPACE_BUILDER = ClassName.get("io.vfu4j.runtime.pci", "ConfigSpaceBuilder");
  static final ClassName RESET_REASON = ClassName.get("io.vfu4j.api", "ResetReason");
  static final ClassName DEVICE_CONTEXT = ClassName.get("io.vfu4j.api", "DeviceContext");
  static final ClassName BAR = ClassName.get("io.vfu4j.api", "Bar");

  private Generated() {}

  /** {@code Foo_<suffix>} next to the device class; a nested class's outer names are joined by {@code _}. */
  static ClassName name(DeviceDescription device, String suffix) {
    ClassName type = ClassName.get(device.type());
    return ClassName.get(type.packageName(), String.join("_", type.simpleNames()) + "_" + suffix);
  }

  /** A public final class with {@code @Generated}, originating from the device class. */
  static TypeSpec.Builder classBuilder(DeviceDescription device, ClassName name) {
    return TypeSpec.classBuilder(name)
        .addAnnotation(AnnotationSpec.builder(ClassName.get("javax.annotation.processing", "Generated"))
            .addMember("value", "$S", PROCESSOR)
            .build())
        .addModifiers(javax.lang.model.element.Modifier.PUBLIC, javax.lang.model.element.Modifier.FINAL)
        .addOriginatingElement(device.type());
  }

  static JavaFile file(ClassName name, TypeSpec type) {
    return JavaFile.builder(name.packageName(), type).skipJavaLangImports(true).indent("  ").build();
  }

  /** A long literal in hex. */
  static String hex(long value) {
    return "0x" + Long.toHexString(value) + "L";
  }
}

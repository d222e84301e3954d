package io.vfu4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.testing.compile.Compilation;
import io.vfu4j.runtime.spi.DeviceModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.tools.StandardLocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shapes the three golden devices do not cover. */
class EdgeCaseTest {
  @Test
  void serviceFileListsEveryDeviceOfTheCompilation() throws IOException {
    Compilation compilation = Compiler.compile(Compiler.device("Minimal"), Compiler.device("Edu"));
    assertThat(compilation).succeededWithoutWarnings();
    String services = compilation.generatedFile(StandardLocation.CLASS_OUTPUT,
        "META-INF/services/io.vfu4j.runtime.spi.DeviceDescriptor").orElseThrow()
        .getCharContent(true).toString();
    assertThat(services).isEqualTo("test.Edu_Descriptor\ntest.Minimal_Descriptor\n");
  }

  @Test
  void unresolvableAnnotationValueGivesJavacsErrorNotACrash() {
    Compilation compilation = Compiler.compile(Compiler.source("Broken",
        "package test;",
        "import io.vfu4j.api.*;",
        "@PciDevice(vendorId = 0x1234, deviceId = 0x2)",
        "@Bar(index = 0, size = 0x100)",
        "public class Broken {",
        "  @Register(bar = 0, offset = MISSING) int r;",
        "}"));
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorContaining("cannot find symbol").inFile(compilation.sourceFiles().get(0)).onLine(6);
    assertThat(compilation.errors()).noneMatch(e -> e.getMessage(null).contains("threw an uncaught exception"));
  }

  @Test
  void intLiteralResetWithTheTopBitSetIsTakenAsItsBits(@TempDir Path dir) {
    DeviceModel model = CompiledDevice.compile(dir, Compiler.source("Id",
        "package test;",
        "import io.vfu4j.api.*;",
        "@PciDevice(vendorId = 0x1234, deviceId = 0x2)",
        "@Bar(index = 0, size = 0x100)",
        "public class Id {",
        "  @Register(bar = 0, offset = 0, access = Access.RO, reset = 0xce01_0100) int id;",
        "}")).create(List.of());
    assertThat(model.read(0, 0, 4)).isEqualTo(0xce01_0100L);
  }

  @Test
  void deviceWithoutRegistersRefusesEverything(@TempDir Path dir) {
    DeviceModel model = CompiledDevice.compile(dir, Compiler.source("Empty",
        "package test;",
        "import io.vfu4j.api.*;",
        "@PciDevice(vendorId = 0x1234, deviceId = 0x2)",
        "public class Empty {}")).create(List.of());
    assertThat(model.read(0, 0, 4)).isEqualTo(0xffffffffL);
    model.write(0, 0, 4, 1);
  }

  @Test
  void nestedDeviceWithNarrowRegistersAndByteAccessToAWideOne(@TempDir Path dir) {
    CompiledDevice compiled = CompiledDevice.compile(dir, Compiler.source("Outer",
        "package test;",
        "import io.vfu4j.api.*;",
        "public class Outer {",
        "  @PciDevice(vendorId = 0x1234, deviceId = 0x3)",
        "  @Bar(index = 1, size = 0x20, type = Bar.Type.IO)",
        "  public static class Port {",
        "    @Register(bar = 1, offset = 0, width = 1, reset = 0x80) byte b;",
        "    @Register(bar = 1, offset = 2, width = 2, reset = 0xbeef) short s;",
        "    @Register(bar = 1, offset = 8, width = 8, accessSizes = {1, 8}) long wide;",
        "    int seen;",
        "    @OnWrite(\"b\") byte doubled(byte value) { return (byte) (value * 2); }",
        "    @OnRead(\"s\") short shown(short stored) { return (short) (stored + 1); }",
        "    @OnWrite(\"wide\") void wrote(long oldValue, long newValue) { seen++; }",
        "  }",
        "}"));
    assertThat(compiled.descriptor().getClass().getName()).isEqualTo("test.Outer_Port_Descriptor");
    DeviceModel model = compiled.create(List.of());
    assertThat(model.read(1, 0, 1)).isEqualTo(0x80L);
    model.write(1, 0, 1, 0x41);
    assertThat(model.read(1, 0, 1)).isEqualTo(0x82L);
    assertThat(model.read(1, 2, 2)).isEqualTo(0xbef0L);
    model.write(1, 8, 8, 0x0102030405060708L);
    model.write(1, 15, 1, 0xff);
    assertThat(model.read(1, 8, 8)).isEqualTo(0xff02030405060708L);
    assertThat(model.read(1, 9, 1)).isEqualTo(0x07L);
    assertThat(model.read(1, 8, 4)).as("size 4 not allowed").isEqualTo(0xffffffffL);
    assertThat(DeviceField.get(model.device(), "seen")).isEqualTo(2);
  }

  @Test
  void wholeRegisterArrayDecodesNarrowAccessesOnlyAtEachElementsOffset(@TempDir Path dir) {
    DeviceModel model = CompiledDevice.compile(dir, Compiler.source("Queues",
        "package test;",
        "import io.vfu4j.api.*;",
        "@PciDevice(vendorId = 0x1234, deviceId = 0x4)",
        "@Bar(index = 0, size = 0x100)",
        "public class Queues {",
        "  @Register(bar = 0, offset = 0x20, width = 8, count = 2, stride = 0x10, accessSizes = {2, 8},",
        "      narrowAccess = NarrowAccess.WHOLE_REGISTER) long[] base;",
        "}")).create(List.of());
    model.write(0, 0x30, 8, -1L);
    model.write(0, 0x30, 2, 0x1234_abcdL);
    assertThat(model.read(0, 0x30, 8)).as("element 1 replaced, zero-extended").isEqualTo(0xabcdL);
    assertThat(model.read(0, 0x30, 2)).isEqualTo(0xabcdL);
    model.write(0, 0x32, 2, 0xffff);
    assertThat(model.read(0, 0x32, 2)).as("inside the element: not decoded").isEqualTo(0xffffL);
    assertThat(model.read(0, 0x30, 8)).isEqualTo(0xabcdL);
    assertThat(model.read(0, 0x20, 8)).as("element 0 untouched").isZero();
  }
}

package io.vfu4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.testing.compile.Compilation;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaFileObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every rejected model: the message (which names the element and the fix) and the line of the
 * annotation value it is reported on, marked {@code // <- error} in each source.
 */
class NegativeTest {
  private static final String HEADER = """
      package test;
      import io.vfu4j.api.*;
      import io.vfu4j.api.capability.*;
      import java.lang.foreign.MemorySegment;
      """;

  /** A device on a 4 KiB BAR0 with {@code body} inside the class. */
  private static String simple(String body) {
    return """
        @PciDevice(vendorId = 0x1234, deviceId = 0x1)
        @Bar(index = 0, size = 0x1000)
        class D {
        """ + body + "}\n";
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("overlapping registers",
            "register b [0x2..0x4) overlaps register a [0x0..0x4) in BAR0; move one of them to a free offset",
            simple("""
                @Register(bar = 0, offset = 0x0) int a;
                @Register(bar = 0,
                    offset = 0x2, width = 2) // <- error
                short b;
                """)),
        Arguments.of("overlapping fields",
            "field b bits 4:3 overlap field a bits 7:0 of register r; give each bit to one field",
            simple("""
                @Register(bar = 0, offset = 0, fields = {
                    @Field(name = "a", bits = "7:0"),
                    @Field(name = "b",
                        bits = "4:3")}) // <- error
                int r;
                """)),
        Arguments.of("field outside its register",
            "field hi bits 40:32 lie outside register r of 32 bits; use bits 31:0 or below",
            simple("""
                @Register(bar = 0, offset = 0, fields = {
                    @Field(name = "hi",
                        bits = "40:32")}) // <- error
                int r;
                """)),
        Arguments.of("misaligned offset",
            "register r at offset 0x2 is not aligned to its width 4; use an offset that is a multiple of 4",
            simple("""
                @Register(bar = 0,
                    offset = 0x2) // <- error
                int r;
                """)),
        Arguments.of("register past BAR end",
            "register r ends at 0x1004, past the end of BAR0 (size 0x1000); move it or enlarge the BAR",
            simple("""
                @Register(bar = 0,
                    offset = 0x1000) // <- error
                int r;
                """)),
        Arguments.of("array past BAR end",
            "register r ends at 0x1004, past the end of BAR0 (size 0x1000)",
            simple("""
                @Register(bar = 0,
                    offset = 0xff0, count = 5) // <- error
                int[] r;
                """)),
        Arguments.of("BAR size not a power of two",
            "BAR0 size 12288 is not a power of two; use a power of two such as 16384",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Bar(index = 0,
                    size = 0x3000) // <- error
                class D {}
                """),
        Arguments.of("memory BAR too small",
            "BAR0 is 8 bytes, smaller than the 16 bytes a memory BAR needs; make it at least 16 bytes",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Bar(index = 0,
                    size = 8) // <- error
                class D {}
                """),
        Arguments.of("I/O BAR too small",
            "BAR1 is 2 bytes, smaller than the 4 bytes an I/O BAR needs",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Bar(index = 1, type = Bar.Type.IO,
                    size = 2) // <- error
                class D {}
                """),
        Arguments.of("64-bit BAR on index 5",
            "64-bit BAR5 would take indices 5 and 6; use an index from 0 to 4 or type MEMORY32",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Bar(index = 5, size = 0x1000,
                    type = Bar.Type.MEMORY64) // <- error
                class D {}
                """),
        Arguments.of("duplicate BAR index",
            "BAR index 0 is already taken by BAR0; give each BAR its own index",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Bar(index = 0, size = 0x1000)
                @Bar(
                    index = 0, size = 0x100) // <- error
                class D {}
                """),
        Arguments.of("BAR index in the upper half of a 64-bit BAR",
            "BAR index 1 is already taken by the upper half of 64-bit BAR0; give each BAR its own index",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Bar(index = 0, size = 0x1000, type = Bar.Type.MEMORY64)
                @Bar(
                    index = 1, size = 0x100) // <- error
                class D {}
                """),
        Arguments.of("BAR index out of range",
            "BAR index 6 is not in 0..5; use an index from 0 to 5",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Bar(
                    index = 6, size = 0x100) // <- error
                class D {}
                """),
        Arguments.of("register on an undeclared BAR",
            "register r is on BAR2, which the device does not declare; add @Bar(index = 2, ...) or move the register",
            simple("""
                @Register(
                    bar = 2, offset = 0) // <- error
                int r;
                """)),
        Arguments.of("MSI-X table outside its BAR",
            "MSI-X table [0xf80..0x1080) does not fit in BAR0 (size 0x1000); move it or enlarge the BAR",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Bar(index = 0, size = 0x1000)
                @MsiX(vectors = 16, tableBar = 0,
                    tableOffset = 0xf80, // <- error
                    pbaBar = 0, pbaOffset = 0x800)
                class D {}
                """),
        Arguments.of("MSI-X PBA overlapping a register",
            "MSI-X PBA [0x800..0x808) overlaps register r [0x800..0x804) in BAR0; move one of them",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Bar(index = 0, size = 0x1000)
                @MsiX(vectors = 16, tableBar = 0, tableOffset = 0x0, pbaBar = 0,
                    pbaOffset = 0x800) // <- error
                class D {
                  @Register(bar = 0, offset = 0x800) int r;
                }
                """),
        Arguments.of("MSI-X table on an undeclared BAR",
            "MSI-X table is in BAR3, which the device does not declare; add @Bar(index = 3, ...)",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Bar(index = 0, size = 0x1000)
                @MsiX(vectors = 16,
                    tableBar = 3, // <- error
                    tableOffset = 0x0, pbaBar = 0, pbaOffset = 0x800)
                class D {}
                """),
        Arguments.of("PCI_EXPRESS device without @PciExpress",
            "bus = PCI_EXPRESS needs the PCI Express capability; add @PciExpress to D",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1,
                    bus = PciDevice.Bus.PCI_EXPRESS) // <- error
                class D {}
                """),
        Arguments.of("PRI without ATS",
            "@Pri needs @Ats: the Page Request Interface works on ATS translations; add @Ats",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1, bus = PciDevice.Bus.PCI_EXPRESS)
                @PciExpress
                @Pri // <- error
                class D {}
                """),
        Arguments.of("ATS global invalidate without PASID",
            "ATS globalInvalidate = true needs @Pasid: global invalidations address all PASIDs; add @Pasid or set globalInvalidate = false",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1, bus = PciDevice.Bus.PCI_EXPRESS)
                @PciExpress
                @Ats(
                    globalInvalidate = true) // <- error
                class D {}
                """),
        Arguments.of("PASID wider than 20 bits",
            "PASID width 21 is not in 1..20; use a width from 1 to 20",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1, bus = PciDevice.Bus.PCI_EXPRESS)
                @PciExpress
                @Pasid(
                    width = 21) // <- error
                class D {}
                """),
        Arguments.of("PASID width zero",
            "PASID width 0 is not in 1..20",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1, bus = PciDevice.Bus.PCI_EXPRESS)
                @PciExpress
                @Pasid(
                    width = 0) // <- error
                class D {}
                """),
        Arguments.of("MSI vectors not a power of two",
            "MSI vectors = 3; use 1, 2, 4, 8, 16 or 32",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Msi(
                    vectors = 3) // <- error
                class D {}
                """),
        Arguments.of("MSI vectors above 32",
            "MSI vectors = 64; use 1, 2, 4, 8, 16 or 32",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Msi(
                    vectors = 64) // <- error
                class D {}
                """),
        Arguments.of("write hook with a wrong signature",
            "@OnWrite method hook has signature java.lang.String hook(int); use one of: int m(int newValue)",
            simple("""
                @Register(bar = 0, offset = 0) int r;
                @OnWrite("r") // <- error
                String hook(int value) { return ""; }
                """)),
        Arguments.of("read hook with two values",
            "@OnRead method hook has signature int hook(int, int); use one of: void m(), int m(int stored)",
            simple("""
                @Register(bar = 0, offset = 0) int r;
                @OnRead("r") // <- error
                int hook(int a, int b) { return a; }
                """)),
        Arguments.of("array hook without its index",
            "use one of: void m(int index), int m(int index, int stored)",
            simple("""
                @Register(bar = 0, offset = 0, count = 2) int[] r;
                @OnRead("r") // <- error
                int hook(int stored) { return stored; }
                """)),
        Arguments.of("reset hook with a wrong parameter",
            "@OnReset method hook has signature void hook(int); use one of: void m(), void m(ResetReason reason)",
            simple("""
                @OnReset // <- error
                void hook(int x) { }
                """)),
        Arguments.of("private hook",
            "hook method hook must not be private or static; the generated code calls it on the device",
            simple("""
                @Register(bar = 0, offset = 0) int r;
                @OnWrite("r") // <- error
                private void hook() { }
                """)),
        Arguments.of("hook naming an unknown register",
            "@OnWrite(\"ctrl\") names no register; known registers: r",
            simple("""
                @Register(bar = 0, offset = 0) int r;
                @OnWrite(
                    "ctrl") // <- error
                void hook() { }
                """)),
        Arguments.of("hook naming an unknown field",
            "@OnRead(\"r.done\"): register r has no field done; known fields: busy",
            simple("""
                @Register(bar = 0, offset = 0, fields = @Field(name = "busy", bits = "0")) int r;
                @OnRead(
                    "r.done") // <- error
                void hook() { }
                """)),
        Arguments.of("reset value wider than the register",
            "reset value 0x100 of register r does not fit in 1 bytes; use a value below 0x100",
            simple("""
                @Register(bar = 0, offset = 0, width = 1,
                    reset = 0x100) // <- error
                byte r;
                """)),
        Arguments.of("negative reset of a 2-byte register is not an int literal's bits",
            "reset value 0xffffffffffff8000 of register r does not fit in 2 bytes; use a value below 0x10000",
            simple("""
                @Register(bar = 0, offset = 0, width = 2,
                    reset = 0xffff8000) // <- error
                short r;
                """)),
        Arguments.of("reset value wider than the field",
            "reset value 0x4 of field mode does not fit in its 2 bits; use a value below 0x4",
            simple("""
                @Register(bar = 0, offset = 0, fields = {
                    @Field(name = "mode", bits = "1:0",
                        reset = 4)}) // <- error
                int r;
                """)),
        Arguments.of("field type not matching the width",
            "register r is 2 bytes wide, so field r must be of type short, not int; change the field type or width",
            simple("""
                @Register(bar = 0, offset = 0,
                    width = 2) // <- error
                int r;
                """)),
        Arguments.of("register array on a scalar field",
            "register r has count 4, so field r must be an array (int[]); change the field type or count",
            simple("""
                @Register(bar = 0, offset = 0,
                    count = 4) // <- error
                int r;
                """)),
        Arguments.of("private register field",
            "register field r is private; the generated D_Registers accesses it directly, make it package-private",
            simple("""
                @Register(bar = 0, offset = 0) // <- error
                private int r;
                """)),
        Arguments.of("final register field",
            "register field r is final; the generated code stores register values in it, remove final",
            simple("""
                @Register(bar = 0, offset = 0) // <- error
                final int r = 0;
                """)),
        Arguments.of("bad bits syntax",
            "bits \"7-0\" of field f is not \"msb:lsb\" or \"n\" with msb >= lsb; write e.g. \"7:4\" or \"3\"",
            simple("""
                @Register(bar = 0, offset = 0, fields = @Field(name = "f",
                    bits = "7-0")) // <- error
                int r;
                """)),
        Arguments.of("bits with msb below lsb",
            "bits \"0:7\" of field f is not \"msb:lsb\"",
            simple("""
                @Register(bar = 0, offset = 0, fields = @Field(name = "f",
                    bits = "0:7")) // <- error
                int r;
                """)),
        Arguments.of("access size wider than the register",
            "access size 8 of register r is wider than its width 4; remove it or widen the register",
            simple("""
                @Register(bar = 0, offset = 0,
                    accessSizes = {4, 8}) // <- error
                int r;
                """)),
        Arguments.of("access size not 1, 2, 4 or 8",
            "access size 3 of register r is not 1, 2, 4 or 8; remove it",
            simple("""
                @Register(bar = 0, offset = 0,
                    accessSizes = {3, 4}) // <- error
                int r;
                """)),
        Arguments.of("whole-register narrow access without a narrower access size",
            "register r has narrowAccess = WHOLE_REGISTER but accepts no access narrower than its width 8; add a smaller size to accessSizes or remove narrowAccess",
            simple("""
                @Register(bar = 0, offset = 0, width = 8,
                    narrowAccess = NarrowAccess.WHOLE_REGISTER) // <- error
                long r;
                """)),
        Arguments.of("readsAllOnes on a readable register",
            "register r has readsAllOnes = true, which needs a write-only register: access = Access.WO, no fields and onRead = NONE; change those or remove readsAllOnes",
            simple("""
                @Register(bar = 0, offset = 0,
                    readsAllOnes = true) // <- error
                int r;
                """)),
        Arguments.of("read hook on a register whose reads are not decoded",
            "@OnRead method seen would never run: reads of register r are not decoded (readsAllOnes = true); remove the hook or readsAllOnes",
            simple("""
                @Register(bar = 0, offset = 0, access = Access.WO, readsAllOnes = true) int r;
                @OnRead(
                    "r") // <- error
                int seen(int stored) { return stored; }
                """)),
        Arguments.of("class without a usable constructor",
            "@PciDevice class D has no usable constructor; add a non-private constructor taking (DeviceContext) or no arguments",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1) // <- error
                class D {
                  D(String name) { }
                }
                """),
        Arguments.of("@Memory overlapping a register",
            "@Memory buffer [0x0..0x800) overlaps register r [0x400..0x404) in BAR0; move one of them",
            simple("""
                @Register(bar = 0, offset = 0x400) int r;
                @Memory(bar = 0, size = 0x800,
                    offset = 0x0) // <- error
                MemorySegment buffer;
                """)),
        Arguments.of("mmap @Memory not page aligned",
            "mmap @Memory buffer has offset 0x800, not a multiple of 4 KiB; the client maps whole pages, use a multiple of 0x1000",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Bar(index = 0, size = 0x4000)
                class D {
                  @Memory(bar = 0, size = 0x1000, mmap = true,
                      offset = 0x800) // <- error
                  MemorySegment buffer;
                }
                """),
        Arguments.of("mmap @Memory size not whole pages",
            "mmap @Memory buffer has size 0x100, not a multiple of 4 KiB",
            """
                @PciDevice(vendorId = 0x1234, deviceId = 0x1)
                @Bar(index = 0, size = 0x4000)
                class D {
                  @Memory(bar = 0, offset = 0, mmap = true,
                      size = 0x100) // <- error
                  MemorySegment buffer;
                }
                """),
        Arguments.of("@Memory of the wrong type",
            "@Memory field buffer must be of type java.lang.foreign.MemorySegment, not byte[]",
            simple("""
                @Memory(bar = 0, offset = 0, size = 0x100) // <- error
                byte[] buffer;
                """)),
        Arguments.of("duplicate register name",
            "register name r is used twice; give each register a unique name",
            simple("""
                @Register(bar = 0, offset = 0) int r;
                @Register(bar = 0, offset = 4,
                    name = "r") // <- error
                int s;
                """)),
        Arguments.of("vendor ID out of range",
            "vendorId 0xffff is out of range; use a value in 0x0..0xfffe",
            """
                @PciDevice(deviceId = 0x1,
                    vendorId = 0xffff) // <- error
                class D {}
                """));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rejects(String what, String message, String body) {
    assertRejected(message, body);
  }

  /** Capabilities that only exist in PCIe extended config space (or are the PCIe capability). */
  @ParameterizedTest
  @ValueSource(strings = {"Aer", "SerialNumber(1)", "Ats", "Pri", "Pasid", "PciExpress"})
  void rejectsExpressCapabilityOnConventionalDevice(String annotation) {
    String name = annotation.replaceAll("\\(.*", "");
    assertRejected("@" + name + " needs PCI Express extended config space; set @PciDevice(bus = PciDevice.Bus.PCI_EXPRESS) or remove @" + name,
        """
        @PciDevice(vendorId = 0x1234, deviceId = 0x1)
        @Ats
        @%s // <- error
        class D {}
        """.formatted(annotation).replace("@Ats\n@Ats", "@Ats"));
  }

  private static void assertRejected(String message, String body) {
    String text = HEADER + body;
    List<String> lines = text.lines().toList();
    int line = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("// <- error")) {
        line = i + 1;
      }
    }
    assertThat(line).as("the source marks the expected line").isPositive();
    JavaFileObject source = Compiler.source("D", lines.toArray(String[]::new));
    Compilation compilation = Compiler.compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorContaining(message).inFile(source).onLine(line);
  }
}

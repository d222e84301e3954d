package io.vfu4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Generated sources of three devices against reviewed golden files. To regenerate after a
 * deliberate change: {@code -Dgolden.update=true}, then review the diff before committing.
 */
class GoldenTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden");

  @ParameterizedTest
  @CsvSource({
      "Minimal, Registers", "Minimal, ConfigSpace", "Minimal, Descriptor",
      "Edu, Registers", "Edu, ConfigSpace", "Edu, Descriptor",
      "Express, Registers", "Express, ConfigSpace", "Express, Descriptor"})
  void generatedSourceMatchesGolden(String device, String suffix) throws IOException {
    Compilation compilation = Compiler.compile(Compiler.device(device));
    assertThat(compilation).succeededWithoutWarnings();
    String name = device + "_" + suffix;
    Optional<JavaFileObject> generated = compilation.generatedSourceFile("test." + name);
    assertThat(generated).isPresent();
    String text = generated.get().getCharContent(true).toString();
    Path golden = GOLDEN.resolve(name + ".java");
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(golden, text, StandardCharsets.UTF_8);
    }
    String expected = Files.readString(golden, StandardCharsets.UTF_8);
    assertThat(compilation).generatedSourceFile("test." + name)
        .hasSourceEquivalentTo(JavaFileObjects.forSourceString("test." + name, expected));
    assertThat(text).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"Minimal", "Edu", "Express"})
  void serviceFileListsTheDescriptor(String device) throws IOException {
    Compilation compilation = Compiler.compile(Compiler.device(device));
    JavaFileObject services = compilation.generatedFile(StandardLocation.CLASS_OUTPUT,
        "META-INF/services/io.vfu4j.runtime.spi.DeviceDescriptor").orElseThrow();
    assertThat(services.getCharContent(true).toString()).isEqualTo("test." + device + "_Descriptor\n");
  }
}

package io.vfu4j.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import javax.tools.JavaFileObject;

/**
 * A device compiled with the processor, its class files written to a directory and loaded by a
 * child class loader, so tests drive the generated code exactly as the runtime would.
 */
final class CompiledDevice {
  final URLClassLoader loader;

  private CompiledDevice(URLClassLoader loader) {
    this.loader = loader;
  }

  static CompiledDevice compile(Path dir, JavaFileObject source) {
    Compilation compilation = Compiler.compile(source);
    assertThat(compilation).succeededWithoutWarnings();
    try {
      for (JavaFileObject file : compilation.generatedFiles()) {
        String path = file.toUri().getPath();
        if (!path.startsWith("/CLASS_OUTPUT/")) {
          continue;
        }
        Path target = dir.resolve(path.substring("/CLASS_OUTPUT/".length()));
        Files.createDirectories(target.getParent());
        try (InputStream in = file.openInputStream()) {
          Files.write(target, in.readAllBytes());
        }
      }
      return new CompiledDevice(new URLClassLoader(new URL[] {dir.toUri().toURL()},
          CompiledDevice.class.getClassLoader()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The one descriptor ServiceLoader finds in the compiled classes. */
  DeviceDescriptor descriptor() {
    List<DeviceDescriptor> found = ServiceLoader.load(DeviceDescriptor.class, loader).stream()
        .map(ServiceLoader.Provider::get)
        .filter(d -> d.getClass().getClassLoader() == loader)
        .toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one descriptor, found " + found);
    }
    return found.get(0);
  }

  /** Creates an instance through the descriptor, with no context and no memory segments. */
  io.vfu4j.runtime.spi.DeviceModel create(List<MemorySegment> memory) {
    return descriptor().create(null, memory);
  }
}

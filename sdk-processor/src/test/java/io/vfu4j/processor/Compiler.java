package io.vfu4j.processor;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import javax.tools.JavaFileObject;

/** Compiles test devices with the processor. */
final class Compiler {
  private Compiler() {}

  /** A device source from src/test/resources/devices/test. */
  static JavaFileObject device(String simpleName) {
    return JavaFileObjects.forResource("devices/test/" + simpleName + ".java");
  }

  /** An inline source in package test; lines are joined with newlines so line numbers are exact. */
  static JavaFileObject source(String simpleName, String... lines) {
    return JavaFileObjects.forSourceLines("test." + simpleName, lines);
  }

  static Compilation compile(JavaFileObject... sources) {
    return javac().withProcessors(new PciDeviceProcessor())
        .withOptions("-Xlint:all,-processing,-classfile", "-Werror")
        .compile(sources);
  }
}

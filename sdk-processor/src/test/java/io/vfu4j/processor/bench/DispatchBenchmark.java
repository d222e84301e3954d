package io.vfu4j.processor.bench;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import io.vfu4j.processor.PciDeviceProcessor;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import io.vfu4j.runtime.spi.DeviceModel;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaFileObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one register access through generated dispatch ({@code Edu_Registers} behind the
 * {@code DeviceModel} interface, as the runtime calls it), against a plain array load in the same
 * run. The device is compiled with the processor in setup, exactly as in the behaviour tests.
 * How to run: docs/device-model.md, section "Speed".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DispatchBenchmark {
  private DeviceModel model;
  private long[] array;
  private int index;
  private long value;
  // Arguments live in fields, as they arrive from the wire: the JIT cannot fold the decode away.
  private int bar;
  private int size;
  private long scratch;
  private long status;
  private long doorbell1;

  @Setup
  public void setUp() throws Exception {
    JavaFileObject edu = JavaFileObjects.forResource("devices/test/Edu.java");
    Compilation compilation = javac().withProcessors(new PciDeviceProcessor()).compile(edu);
    Path dir = Files.createTempDirectory("vfu4j-bench");
    for (JavaFileObject file : compilation.generatedFiles()) {
      String path = file.toUri().getPath();
      if (path.startsWith("/CLASS_OUTPUT/")) {
        Path target = dir.resolve(path.substring("/CLASS_OUTPUT/".length()));
        Files.createDirectories(target.getParent());
        try (InputStream in = file.openInputStream()) {
          Files.write(target, in.readAllBytes());
        }
      }
    }
    ClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
    DeviceDescriptor descriptor = ServiceLoader.load(DeviceDescriptor.class, loader).findFirst().orElseThrow();
    model = descriptor.create(null, List.of());
    array = new long[64];
    index = 4;
    value = 0x1234;
    bar = 0;
    size = 4;
    scratch = 0x10;
    status = 0x20;
    doorbell1 = 0x108;
  }

  /** The floor: one load from a long[] held in a field. */
  @Benchmark
  public long arrayLoad() {
    return array[index];
  }

  /** A read of a plain RW register (scratch at 0x10). */
  @Benchmark
  public long registerRead() {
    return model.read(bar, scratch, size);
  }

  /** A write of a plain RW register. */
  @Benchmark
  public void registerWrite() {
    model.write(bar, scratch, size, value);
  }

  /** A read of a register with fields and a field read hook (status at 0x20). */
  @Benchmark
  public long fieldRegisterReadWithHook() {
    return model.read(bar, status, size);
  }

  /** A read of a register array element (doorbell[1]): range test, divide by the stride. */
  @Benchmark
  public long registerArrayRead() {
    return model.read(bar, doorbell1, size);
  }
}

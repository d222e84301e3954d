package io.vfu4j.runtime.bench;

import io.vfu4j.api.DmaException;
import io.vfu4j.api.DmaSpace;
import io.vfu4j.runtime.dma.DmaEngine;
import io.vfu4j.runtime.dma.Space;
import io.vfu4j.runtime.iommu.IommuDma;
import io.vfu4j.runtime.iommu.IommuWire;
import io.vfu4j.runtime.pci.ConfigSpace;
import io.vfu4j.runtime.pci.ConfigSpaceBuilder;
import io.vfu4j.runtime.protocol.IommuMessages;
import io.vfu4j.runtime.protocol.IommuMessages.AtsTranslate;
import io.vfu4j.runtime.protocol.IommuMessages.PageRequest;
import io.vfu4j.runtime.protocol.IommuMessages.Translation;
import io.vfu4j.runtime.protocol.IommuOffer;
import io.vfu4j.runtime.spi.CapabilityLocation;
import io.vfu4j.runtime.spi.DeviceLayout;
import io.vfu4j.runtime.sys.Native;
import io.vfu4j.runtime.sys.SharedMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Device-side DMA copies against a plain {@link MemorySegment#copy} of the same size, measured in
 * the same run so that the ratios hold on a noisy machine.
 *
 * <ul>
 *   <li>{@code baselineCopy}: copy between two shared-arena segments;
 *   <li>{@code engineRead}/{@code engineWrite}: {@link DmaEngine} on a memfd DMA_MAP'ed with an fd,
 *       bus master on, from a non-device thread;
 *   <li>{@code iommu*}: {@link IommuDma#untagged()} with the extension negotiated (wire mode) and
 *       ATS enabled: the guest memory is a DMA_MAP in the translated space and the ATC holds a
 *       translation of the I/O virtual address (filled by one access in setup through a stub
 *       {@link IommuWire}, which then refuses any further translation), so every measured access
 *       is an ATC hit. Variants: synchronous from a non-device thread (goes through a future),
 *       synchronous on the device thread (the direct hit path), asynchronous on the device thread.
 * </ul>
 *
 * <p>Not run by {@code verify}. Run from the root with JDK 25:
 *
 * <pre>
 * ./mvnw -B -q -pl sdk-runtime -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * cd sdk-runtime
 * $JAVA_HOME/bin/java -cp target/test-classes:target/classes:$(cat target/bench.cp) \
 *     org.openjdk.jmh.Main DmaBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 5, time = 1) // the IOMMU paths need about 4 s before C2 settles
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class DmaBenchmark {
  private static final long GUEST_SIZE = 1 << 20;
  /** Where the device sees guest memory without an IOMMU (DMA_MAP address). */
  private static final long DMA_ADDRESS = 0x4000_0000L;
  /** The I/O virtual address the device uses behind the IOMMU, and where it translates to. */
  private static final long IOVA = 0x7f00_0000_0000L;
  private static final long TRANSLATED = 0x1_0000_0000L;
  /** Offset of every access inside the memory, so no access starts at a page boundary by luck. */
  private static final long OFFSET = 64;

  @Param({"64", "4096", "65536"})
  public int size;

  private Arena arena;
  private MemorySegment source;
  private MemorySegment buffer;
  private SharedMemory guest;
  private DmaEngine engine;
  private Iommu worker;
  private Iommu device;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    arena = Arena.ofShared();
    source = arena.allocate(size, 64).fill((byte) 0x5a);
    buffer = arena.allocate(size, 64);
    guest = SharedMemory.create("bench-guest", GUEST_SIZE);
    guest.segment().fill((byte) 0x3c);
    engine = new DmaEngine(() -> true, thread -> false, Runnable::run);
    engine.map(DMA_ADDRESS, GUEST_SIZE, 0, DmaEngine.READ | DmaEngine.WRITE, ownedFd(guest));
    worker = new Iommu(guest, false);
    device = new Iommu(guest, true);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    worker.close();
    device.close();
    engine.close();
    guest.close();
    arena.close();
  }

  @Benchmark
  public MemorySegment baselineCopy() {
    MemorySegment.copy(source, 0, buffer, 0, size);
    return buffer;
  }

  @Benchmark
  public MemorySegment engineRead() throws DmaException {
    engine.read(DMA_ADDRESS + OFFSET, buffer);
    return buffer;
  }

  @Benchmark
  public MemorySegment engineWrite() throws DmaException {
    engine.write(DMA_ADDRESS + OFFSET, source);
    return source;
  }

  @Benchmark
  public MemorySegment iommuReadWorkerThread() throws DmaException {
    worker.space.read(IOVA + OFFSET, buffer);
    return buffer;
  }

  @Benchmark
  public MemorySegment iommuReadDeviceThread() throws DmaException {
    device.space.read(IOVA + OFFSET, buffer);
    return buffer;
  }

  @Benchmark
  public MemorySegment iommuReadAsyncDeviceThread() {
    device.space.readAsync(IOVA + OFFSET, buffer).toCompletableFuture().join();
    return buffer;
  }

  private static java.io.FileDescriptor ownedFd(SharedMemory memory) throws IOException {
    return Native.fileDescriptor(Native.dup(memory.fd()));
  }

  /**
   * An {@link IommuDma} over its own engine, with bus master and ATS enabled, the extension
   * negotiated, the guest memory mapped in the translated space and the IOVA's translation cached.
   * The device executor runs work in place; {@code onDeviceThread} says whether every thread
   * counts as the device thread.
   */
  private static final class Iommu implements AutoCloseable {
    final DmaEngine engine;
    final DmaSpace space;
    final AtomicInteger translations = new AtomicInteger();

    Iommu(SharedMemory guest, boolean onDeviceThread) throws Exception {
      DeviceLayout layout = ConfigSpaceBuilder.express(0x1af4, 0x10f1)
          .pciExpress(0, 128, true, false, 0, false, false, false, 1, 1)
          .ats(2, false, false)
          .layout(List.of());
      ConfigSpace config = new ConfigSpace(layout);
      write16(config, 4, ConfigSpace.CMD_BUS_MASTER);
      write16(config, layout.config().find(CapabilityLocation.ATS, true).offset() + 6, 0x8000);
      if (!config.busMasterEnabled() || !config.iommuEnables().atsEnabled()) {
        throw new IllegalStateException("bus master and ATS must be on: " + config.iommuEnables());
      }
      engine = new DmaEngine(config::busMasterEnabled, thread -> onDeviceThread, Runnable::run);
      engine.map(Space.TRANSLATED, TRANSLATED, GUEST_SIZE, 0, DmaEngine.READ | DmaEngine.WRITE, ownedFd(guest));
      IommuDma iommu = new IommuDma(engine, config, Runnable::run, thread -> onDeviceThread);
      iommu.enablesChanged(config.iommuEnables());
      iommu.connected(IommuOffer.all(), new OneTranslation(translations), null);
      space = iommu.untagged();
      // fill the ATC: from here on every access is a hit (the stub refuses a second translation)
      MemorySegment probe = Arena.ofAuto().allocate(8);
      space.readAsync(IOVA, probe).toCompletableFuture().join();
      if (translations.get() != 1 || iommu.atc().size() != 1) {
        throw new IllegalStateException("expected one cached translation, ATC size " + iommu.atc().size());
      }
    }

    @Override
    public void close() {
      if (translations.get() != 1) {
        throw new IllegalStateException(translations.get() + " translations: not every access was an ATC hit");
      }
      engine.close();
    }

    private static void write16(ConfigSpace config, int offset, int value) {
      config.write(offset, ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) value));
    }
  }

  /** The client's IOMMU: IOVA's 1 MiB block translates to {@link #TRANSLATED}, read-write. */
  private record OneTranslation(AtomicInteger count) implements IommuWire {
    @Override
    public CompletableFuture<byte[]> translate(AtsTranslate request) {
      count.incrementAndGet();
      return CompletableFuture.completedFuture(
          new Translation(TRANSLATED, GUEST_SIZE, IommuMessages.R | IommuMessages.W).encode());
    }

    @Override
    public CompletableFuture<Void> pageRequest(PageRequest request) {
      return CompletableFuture.failedFuture(new UnsupportedOperationException("no page requests here"));
    }
  }
}

package io.vfu4j.runtime.dma;

import static io.vfu4j.runtime.dma.DmaEngine.READ;
import static io.vfu4j.runtime.dma.DmaEngine.WRITE;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.api.DmaException;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.sys.FdInfo;
import io.vfu4j.runtime.sys.Native;
import io.vfu4j.runtime.sys.SharedMemory;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** DMA_MAP/DMA_UNMAP rules and fd-backed accesses, on real memfds. */
@Timeout(20)
class DmaEngineTest {
  private static final long PAGE = 4096;
  private static final int RW = READ | WRITE;

  private final AtomicBoolean busMaster = new AtomicBoolean(true);
  private final List<SharedMemory> guestFiles = new ArrayList<>();
  private DmaEngine engine;

  @BeforeEach
  void setUp() {
    engine = new DmaEngine(busMaster::get, thread -> false, Runnable::run, 4);
  }

  @AfterEach
  void tearDown() {
    engine.close();
    guestFiles.forEach(SharedMemory::close);
  }

  /** Guest memory of {@code size} bytes whose byte i holds (i % 251). */
  private SharedMemory guestRam(long size) throws IOException {
    var ram = SharedMemory.create("guest", size);
    for (long i = 0; i < size; i++) {
      ram.segment().set(JAVA_BYTE, i, (byte) (i % 251));
    }
    guestFiles.add(ram);
    return ram;
  }

  /** An owned copy of the memfd, as the engine receives it from the socket. */
  private static FileDescriptor received(SharedMemory ram) throws IOException {
    return Native.fileDescriptor(Native.dup(ram.fd()));
  }

  private static void assertErrno(ThrowingCallable call, int errno) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ProtocolException.class, e -> assertThat(e.errno()).isEqualTo(errno));
  }

  private static byte[] bytes(MemorySegment segment) {
    return segment.toArray(JAVA_BYTE);
  }

  @Test
  void coversAnswersLikeAnAccessWouldWithoutThrowing() throws Exception {
    SharedMemory ram = guestRam(4 * PAGE);
    engine.map(0x10000, PAGE, 0, RW, received(ram));
    engine.map(0x11000, PAGE, PAGE, READ, received(ram)); // adjacent, read-only
    engine.map(0x13000, PAGE, 2 * PAGE, RW, received(ram)); // after a hole
    Space none = Space.NONE;
    assertThat(engine.covers(none, 0x10800, PAGE, false)).as("read across two mappings").isTrue();
    assertThat(engine.covers(none, 0x10800, PAGE, true)).as("write into the read-only one").isFalse();
    assertThat(engine.covers(none, 0x11800, PAGE, false)).as("into the hole").isFalse();
    assertThat(engine.covers(none, 0x13000, PAGE, true)).isTrue();
    assertThat(engine.covers(none, 0x13001, PAGE, true)).as("one byte past the end").isFalse();
    assertThat(engine.covers(none, -16, 32, false)).as("wraps around").isFalse();
    assertThat(engine.covers(Space.pasid(1), 0x10000, 16, false)).as("another address space").isFalse();
  }

  @Test
  void readsAndWritesFdBackedMemoryAtItsFileOffset() throws Exception {
    var ram = guestRam(4 * PAGE);
    engine.map(0x10000, 2 * PAGE, PAGE, RW, received(ram));

    var dst = Arena.ofAuto().allocate(16);
    engine.read(0x10000 + 8, dst);
    assertThat(bytes(dst)).isEqualTo(bytes(ram.segment().asSlice(PAGE + 8, 16)));

    engine.write(0x10000 + 100, MemorySegment.ofArray(new long[] {0x0102030405060708L}));
    assertThat(ram.segment().get(JAVA_LONG_UNALIGNED, PAGE + 100)).isEqualTo(0x0102030405060708L);
  }

  @Test
  void aReadMaySpanAdjacentMappingsButNotAGap() throws Exception {
    var ram = guestRam(4 * PAGE);
    engine.map(0x0, PAGE, 0, RW, received(ram));
    engine.map(PAGE, PAGE, 3 * PAGE, RW, received(ram));

    var dst = MemorySegment.ofArray(new byte[32]);
    engine.read(PAGE - 16, dst);
    assertThat(bytes(dst.asSlice(0, 16))).isEqualTo(bytes(ram.segment().asSlice(PAGE - 16, 16)));
    assertThat(bytes(dst.asSlice(16, 16))).isEqualTo(bytes(ram.segment().asSlice(3 * PAGE, 16)));

    var beyond = MemorySegment.ofArray(new byte[32]);
    assertThatThrownBy(() -> engine.read(2 * PAGE - 16, beyond))
        .isInstanceOf(DmaException.class)
        .hasMessageContaining("unmapped");
    assertThat(bytes(beyond)).containsOnly(0);
  }

  @Test
  void accessesNeedThePermissionOfEveryMappingTheyTouch() throws Exception {
    var ram = guestRam(2 * PAGE);
    engine.map(0, PAGE, 0, READ, received(ram));
    engine.map(PAGE, PAGE, PAGE, WRITE, received(ram));

    var buffer = MemorySegment.ofArray(new byte[8]).fill((byte) 0x5a);
    assertThatThrownBy(() -> engine.write(PAGE - 4, buffer))
        .isInstanceOf(DmaException.class)
        .hasMessageContaining("not permitted");
    assertThat(ram.segment().get(JAVA_BYTE, PAGE)).isEqualTo((byte) (PAGE % 251));
    assertThatThrownBy(() -> engine.read(PAGE, buffer)).isInstanceOf(DmaException.class);
    engine.read(0, buffer);
    engine.write(PAGE, buffer);
  }

  @Test
  void busMasterOffRefusesEveryAccess() throws Exception {
    var ram = guestRam(PAGE);
    engine.map(0, PAGE, 0, RW, received(ram));
    busMaster.set(false);
    var buffer = MemorySegment.ofArray(new byte[8]);
    assertThatThrownBy(() -> engine.read(0, buffer)).hasMessageContaining("bus mastering");
    assertThatThrownBy(() -> engine.write(0, buffer)).hasMessageContaining("bus mastering");
    assertThatThrownBy(() -> engine.readAsync(0, buffer).toCompletableFuture().join())
        .hasCauseInstanceOf(DmaException.class);
  }

  @Test
  void mapRefusesBadFlagsSizesAndOverflow() throws Exception {
    assertErrno(() -> engine.map(0, PAGE, 0, 1 << 2, null), Errno.EINVAL);
    assertErrno(() -> engine.map(0, 0, 0, RW, null), Errno.EINVAL);
    assertErrno(() -> engine.map(-PAGE, 2 * PAGE, 0, RW, null), Errno.EINVAL);
    assertErrno(() -> engine.map(0, -1, 0, RW, null), Errno.EINVAL);
    assertErrno(() -> engine.map(0, PAGE, -PAGE, RW, null), Errno.EINVAL);
    engine.map(-PAGE, PAGE, 0, RW, null); // the very top page is fine
    assertThat(engine.mappings()).containsExactly(new Mapping(-PAGE, PAGE, 0, RW, false));
  }

  @Test
  void mapRefusesAFileShorterThanOffsetPlusSizeAndClosesTheFd() throws Exception {
    var ram = guestRam(2 * PAGE);
    FileDescriptor fd = received(ram);
    int number = Native.fdNumber(fd);
    assertErrno(() -> engine.map(0, 2 * PAGE, PAGE, RW, fd), Errno.EINVAL);
    assertThat(FdInfo.isOpen(number)).isFalse();
    assertThat(engine.mappings()).isEmpty();
  }

  @Test
  void overlapIsEexistButAnExactRepeatSucceeds() throws Exception {
    engine.map(0x10000, 0x2000, 0, RW, null);
    engine.map(0x10000, 0x2000, 0, RW, null);
    assertErrno(() -> engine.map(0x11000, 0x2000, 0, RW, null), Errno.EEXIST);
    assertErrno(() -> engine.map(0xf000, 0x1001, 0, RW, null), Errno.EEXIST);
    assertErrno(() -> engine.map(0x10000, 0x2000, 0, READ, null), Errno.EEXIST);
    assertErrno(() -> engine.map(0x10800, 0x100, 0, RW, null), Errno.EEXIST);
    assertErrno(() -> engine.map(0, -1L >>> 1, 0, RW, null), Errno.EEXIST);
    engine.map(0xf000, 0x1000, 0, RW, null);
    engine.map(0x12000, 0x1000, 0, RW, null);
    assertThat(engine.mappings()).extracting(Mapping::address).containsExactly(0xf000L, 0x10000L, 0x12000L);
  }

  @Test
  void anExactRepeatWithAnFdClosesTheSurplusFd() throws Exception {
    var ram = guestRam(PAGE);
    engine.map(0, PAGE, 0, RW, received(ram));
    FileDescriptor again = received(ram);
    int number = Native.fdNumber(again);
    engine.map(0, PAGE, 0, RW, again);
    assertThat(FdInfo.isOpen(number)).isFalse();
    assertThat(engine.mappings()).hasSize(1);
  }

  @Test
  void tooManyMappingsIsEnospcAndClosesTheFd() throws Exception {
    for (int i = 0; i < 4; i++) {
      engine.map(i * PAGE, PAGE, 0, RW, null);
    }
    var ram = guestRam(PAGE);
    FileDescriptor fd = received(ram);
    int number = Native.fdNumber(fd);
    assertErrno(() -> engine.map(10 * PAGE, PAGE, 0, RW, fd), Errno.ENOSPC);
    assertThat(FdInfo.isOpen(number)).isFalse();
    engine.unmap(0, PAGE);
    engine.map(10 * PAGE, PAGE, 0, RW, null);
  }

  @Test
  void unmapNeedsAnExactMatchAndClosesTheFd() throws Exception {
    var ram = guestRam(2 * PAGE);
    FileDescriptor fd = received(ram);
    int number = Native.fdNumber(fd);
    engine.map(0x20000, 2 * PAGE, 0, RW, fd);
    assertErrno(() -> engine.unmap(0x20000, PAGE), Errno.ENOENT);
    assertErrno(() -> engine.unmap(0x21000, PAGE), Errno.ENOENT);
    assertErrno(() -> engine.unmap(0x30000, PAGE), Errno.ENOENT);
    assertThat(FdInfo.isOpen(number)).isTrue();

    engine.unmap(0x20000, 2 * PAGE);
    assertThat(FdInfo.isOpen(number)).isFalse();
    assertThat(engine.mappings()).isEmpty();
    assertThatThrownBy(() -> engine.read(0x20000, MemorySegment.ofArray(new byte[1])))
        .isInstanceOf(DmaException.class);
    // the client's own view of the memory is untouched by our unmap
    assertThat(ram.segment().get(JAVA_BYTE, 1)).isEqualTo((byte) 1);
  }

  @Test
  void unmapAllAndCloseDropEveryMappingAndFd() throws Exception {
    var ram = guestRam(PAGE);
    FileDescriptor first = received(ram);
    FileDescriptor second = received(ram);
    int firstNumber = Native.fdNumber(first);
    int secondNumber = Native.fdNumber(second);
    engine.map(0, PAGE, 0, RW, first);
    engine.map(PAGE, PAGE, 0, RW, null);
    engine.unmapAll();
    assertThat(engine.mappings()).isEmpty();
    assertThat(FdInfo.isOpen(firstNumber)).isFalse();

    engine.map(0, PAGE, 0, RW, second);
    engine.close();
    assertThat(engine.mappings()).isEmpty();
    assertThat(FdInfo.isOpen(secondNumber)).isFalse();
  }

  @Test
  void aReadOfAFileShrunkAfterMappingFailsCleanly() throws Exception {
    var ram = guestRam(16 * PAGE);
    engine.map(0, 16 * PAGE, 0, RW, received(ram));
    Native.ftruncate(ram.fd(), PAGE); // a hostile client shrinks its memfd

    var dst = Arena.ofAuto().allocate(4 * PAGE);
    assertThatThrownBy(() -> engine.read(8 * PAGE, dst))
        .isInstanceOf(DmaException.class)
        .hasMessageContaining("fault");
    var small = MemorySegment.ofArray(new byte[8]);
    assertThatThrownBy(() -> engine.write(12 * PAGE, small)).isInstanceOf(DmaException.class);
    // the part still backed by the file keeps working: the JVM survived the faults
    engine.read(16, small);
    assertThat(bytes(small)).isEqualTo(bytes(ram.segment().asSlice(16, 8)));
  }

  @Test
  void zeroLengthAccessesSucceedOnlyWithBusMaster() throws Exception {
    engine.read(0x1234, MemorySegment.ofArray(new byte[0]));
    busMaster.set(false);
    assertThatThrownBy(() -> engine.read(0x1234, MemorySegment.ofArray(new byte[0])))
        .isInstanceOf(DmaException.class);
  }

  @Test
  void accessesThatWrapAroundTheAddressSpaceFail() throws Exception {
    engine.map(-PAGE, PAGE, 0, RW, null);
    assertThatThrownBy(() -> engine.read(-8, MemorySegment.ofArray(new byte[16])))
        .isInstanceOf(DmaException.class)
        .hasMessageContaining("wraps");
  }

  @Test
  void noWriteLandsAfterUnmapReturnsWhileOtherThreadsKeepWriting() throws Exception {
    var ram = guestRam(64 * PAGE);
    engine.map(0, 64 * PAGE, 0, RW, received(ram));
    var unexpected = new java.util.concurrent.ConcurrentLinkedQueue<Throwable>();
    var started = new java.util.concurrent.CountDownLatch(2);
    var stop = new AtomicBoolean();
    var writers = new ArrayList<Thread>();
    for (int t = 0; t < 2; t++) {
      writers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    var src = Arena.ofAuto().allocate(32 * PAGE).fill((byte) 0xaa);
                    started.countDown();
                    while (!stop.get()) {
                      try {
                        engine.write(16 * PAGE, src);
                      } catch (DmaException expectedAfterUnmap) {
                        // fine: the mapping is gone
                      } catch (Throwable e) {
                        unexpected.add(e);
                      }
                    }
                  }));
    }
    started.await();
    Thread.sleep(20);
    engine.unmap(0, 64 * PAGE);
    ram.segment().fill((byte) 0); // the client reuses its memory at once
    Thread.sleep(50);
    stop.set(true);
    for (Thread writer : writers) {
      writer.join();
    }
    assertThat(unexpected).isEmpty();
    assertThat(ram.segment().elements(JAVA_BYTE).filter(b -> b.get(JAVA_BYTE, 0) != 0).count())
        .isZero();
  }

  @Test
  void faultsAreCaughtAlsoOnceTheCopyPathIsCompiled() throws Exception {
    var ram = guestRam(4 * PAGE);
    engine.map(0, 4 * PAGE, 0, RW, received(ram));
    var small = MemorySegment.ofArray(new byte[8]);
    var large = MemorySegment.ofArray(new byte[1024]);
    for (int i = 0; i < 20_000; i++) { // let the JIT compile the small and bulk copy paths
      engine.read(3 * PAGE + (i % 64), small);
      engine.write(3 * PAGE, large);
    }
    Native.ftruncate(ram.fd(), PAGE);
    int failures = 0;
    for (int i = 0; i < 1000; i++) {
      try {
        engine.read(3 * PAGE + (i % 64), small);
      } catch (DmaException expected) {
        failures++;
      }
      try {
        engine.write(2 * PAGE, large);
      } catch (DmaException expected) {
        failures++;
      }
    }
    assertThat(failures).isEqualTo(2000);
  }
}

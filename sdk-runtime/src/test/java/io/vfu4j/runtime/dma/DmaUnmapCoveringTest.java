package io.vfu4j.runtime.dma;

import static io.vfu4j.runtime.dma.DmaEngine.READ;
import static io.vfu4j.runtime.dma.DmaEngine.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.sys.FdInfo;
import io.vfu4j.runtime.sys.Native;
import io.vfu4j.runtime.sys.SharedMemory;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * QEMU maps virtio-mem memory block by block but unmaps a whole section in one DMA_UNMAP
 * (hw/vfio/listener.c vfio_ram_discard_notify_discard): one unmap covering several whole
 * mappings must remove them all; a range that splits a mapping still removes nothing.
 */
@Timeout(20)
class DmaUnmapCoveringTest {
  private static final long PAGE = 4096;
  private final DmaEngine engine = new DmaEngine(() -> true, thread -> false, Runnable::run, 16);
  private final SharedMemory ram;

  DmaUnmapCoveringTest() throws IOException {
    ram = SharedMemory.create("virtio-mem", 8 * PAGE);
  }

  @AfterEach
  void tearDown() {
    engine.close();
    ram.close();
  }

  private int mapBlock(long iova, long offset, long size) throws Exception {
    var fd = Native.fileDescriptor(Native.dup(ram.fd()));
    engine.map(iova, size, offset, READ | WRITE, fd);
    return Native.fdNumber(fd);
  }

  @Test
  void oneUnmapRemovesEveryWholeMappingItCovers() throws Exception {
    int a = mapBlock(0x100000, 0, PAGE);
    int b = mapBlock(0x101000, PAGE, PAGE);
    int c = mapBlock(0x103000, 3 * PAGE, PAGE); // a hole at 0x102000, as a discarded block leaves
    int other = mapBlock(0x200000, 4 * PAGE, PAGE);

    engine.unmap(0x100000, 4 * PAGE);

    assertThat(engine.mappings()).extracting(Mapping::address).containsExactly(0x200000L);
    assertThat(FdInfo.isOpen(a) || FdInfo.isOpen(b) || FdInfo.isOpen(c)).isFalse();
    assertThat(FdInfo.isOpen(other)).isTrue();
  }

  @Test
  void aRangeReachingIntoTheUpperHalfOfTheAddressSpaceIsUnsigned() throws Exception {
    assertErrnoNoEnt(0x1000, 0xffff_ffff_ffff_f000L); // empty table: found by the fuzzer (fromKey > toKey)
    mapBlock(0x8000_0000_0000_0000L, 0, PAGE);
    assertErrnoNoEnt(0x1000, 0x7fff_ffff_ffff_f000L); // ends just below the mapping
    engine.unmap(0x1000, 0x8000_0000_0000_0000L); // covers it whole
    assertThat(engine.mappings()).isEmpty();
  }

  @Test
  void aRangeThatSplitsAMappingRemovesNothing() throws Exception {
    mapBlock(0x100000, 0, PAGE);
    mapBlock(0x101000, PAGE, 2 * PAGE);
    mapBlock(0x0ff000, 4 * PAGE, PAGE);

    assertErrnoNoEnt(0x100000, 2 * PAGE); // cuts the second mapping
    assertErrnoNoEnt(0x0ff800, 2 * PAGE); // starts inside the one below
    assertErrnoNoEnt(0x300000, PAGE); // covers nothing
    assertThat(engine.mappings()).hasSize(3);
  }

  private void assertErrnoNoEnt(long iova, long size) {
    assertThatThrownBy(() -> engine.unmap(iova, size))
        .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
  }
}

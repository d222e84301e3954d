package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.DeviceMessages.IndexQuery;
import io.vfu4j.runtime.protocol.DmaMessages;
import io.vfu4j.runtime.protocol.DmaMessages.DmaMap;
import io.vfu4j.runtime.protocol.DmaMessages.DmaUnmap;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.FeatureMessages;
import io.vfu4j.runtime.protocol.Header;
import io.vfu4j.runtime.protocol.RegionMessages.RegionAccess;
import io.vfu4j.runtime.protocol.RegionMessages.WriteEntry;
import io.vfu4j.runtime.protocol.RegionMessages.WriteMulti;
import io.vfu4j.runtime.sys.EventFd;
import io.vfu4j.runtime.transport.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Malformed variants of every command: each gets the right errno and the connection survives,
 * except where the stream cannot be followed any more (framing, sizes beyond the limit).
 */
@Timeout(20)
class MalformedMessageTest extends ServerFixture {
  private int nextRawId = 0x8000;

  /** Sends a raw command and returns the errno of its error reply. */
  private int refused(VfioUserClient c, Command command, byte[] payload) throws Exception {
    return refused(c, raw(nextRawId++, command, payload));
  }

  private int refused(VfioUserClient c, byte[] message) throws Exception {
    Message m = exchange(c, message);
    assertThat(m.header().isError()).as("error reply").isTrue();
    assertThat(m.payload()).isEmpty();
    return m.header().error();
  }

  private static void stillServes(VfioUserClient c) throws IOException {
    assertThat(c.read(0, 0, 4)).isEqualTo(TestDevice.ID);
  }

  @Test
  void shortPayloads() throws Exception {
    VfioUserClient c = client();
    assertThat(refused(c, Command.DMA_MAP, new byte[8])).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DMA_UNMAP, new byte[20])).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DEVICE_GET_INFO, new byte[0])).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DEVICE_GET_REGION_INFO, new byte[12])).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DEVICE_GET_IRQ_INFO, new byte[4])).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DEVICE_SET_IRQS, new byte[16])).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.REGION_READ, new byte[10])).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.REGION_WRITE, new byte[15])).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.REGION_WRITE_MULTI, new byte[4])).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DEVICE_FEATURE, new byte[4])).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.MIG_DATA_READ, new byte[4])).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.MIG_DATA_WRITE, new byte[4])).isEqualTo(Errno.EINVAL);
    stillServes(c);
  }

  @Test
  void wrongArgsz() throws Exception {
    VfioUserClient c = client();
    assertThat(refused(c, Command.DEVICE_GET_INFO, IndexQuery.encode(8, 0, 16))).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DEVICE_GET_REGION_INFO, IndexQuery.encode(16, 0, 32))).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DEVICE_GET_IRQ_INFO, IndexQuery.encode(15, 0, 16))).isEqualTo(Errno.EINVAL);
    byte[] map = new DmaMap(3, 0, 0x1000, 0x1000).encode();
    map[0] = 16;
    assertThat(refused(c, Command.DMA_MAP, map)).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DMA_UNMAP, new DmaUnmap(8, 0, 0x1000, 0x1000).encode())).isEqualTo(Errno.EINVAL);
    byte[] irqs = new io.vfu4j.runtime.protocol.DeviceMessages.SetIrqs(0x21, 0, 0, 1, new byte[0]).encode();
    irqs[0] = 40;
    assertThat(refused(c, Command.DEVICE_SET_IRQS, irqs)).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DEVICE_FEATURE,
        new FeatureMessages.DeviceFeature(8, FeatureMessages.MIGRATION | FeatureMessages.GET, new byte[0]).encode()))
        .isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.MIG_DATA_READ, new FeatureMessages.MigData(8, 64, new byte[0]).encode()))
        .isEqualTo(Errno.EINVAL);
    stillServes(c);
  }

  @Test
  void badFlags() throws Exception {
    VfioUserClient c = client();
    assertThat(refused(c, Command.DMA_MAP, new DmaMap(0x4, 0, 0x1000, 0x1000).encode())).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DMA_MAP, new DmaMap(0x103, 0, 0x1000, 0x1000).encode())).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DMA_UNMAP, new DmaUnmap(24, 0x4, 0x1000, 0x1000).encode())).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DMA_UNMAP,
        new DmaUnmap(24, DmaMessages.UNMAP_GET_DIRTY_BITMAP, 0x1000, 0x1000).encode())).isEqualTo(Errno.ENOTSUP);
    assertThat(refused(c, Command.DMA_UNMAP, new DmaUnmap(24, DmaMessages.UNMAP_ALL, 0x1000, 0).encode()))
        .isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DEVICE_FEATURE, new FeatureMessages.DeviceFeature(64,
        FeatureMessages.MIG_DEVICE_STATE | FeatureMessages.GET | FeatureMessages.SET, new byte[8]).encode()))
        .isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DEVICE_FEATURE,
        new FeatureMessages.DeviceFeature(64, FeatureMessages.MIGRATION | 1 << 20, new byte[0]).encode()))
        .isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DEVICE_GET_REGION_IO_FDS, new byte[] {16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
        .isEqualTo(Errno.EINVAL);
    // reserved header bits in a command
    assertThat(refused(c, raw(nextRawId++, Command.DEVICE_GET_INFO.code(), 0x40, IndexQuery.encode(16, 0, 16), 32)))
        .isEqualTo(Errno.EINVAL);
    stillServes(c);
  }

  @Test
  void indicesAndOffsetsOutOfRange() throws Exception {
    VfioUserClient c = client();
    assertThat(errno(() -> c.regionInfo(9))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.regionInfo(-1))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.irqInfo(5))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.regionIoFdCount(1))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.readRegion(9, 0, 4))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.readRegion(1, 0, 4))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.readRegion(6, 0, 4))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.readRegion(0, 4094, 4))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.readRegion(0, Long.MAX_VALUE, 4))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.readRegion(7, 256, 1))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.writeRegion(7, 254, new byte[4]))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.readRegion(0, -8, 4))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.writeMulti(List.of(new WriteEntry(0x20, 0, 4, 1), new WriteEntry(0x4000, 0, 4, 1)))))
        .isEqualTo(Errno.EINVAL);
    stillServes(c);
  }

  @Test
  void regionAndMultiShapes() throws Exception {
    VfioUserClient c = client();
    // write with fewer data bytes than count
    byte[] w = new RegionAccess(4, 0, 8, new byte[4]).encode();
    assertThat(refused(c, Command.REGION_WRITE, w)).isEqualTo(Errno.EINVAL);
    // read with trailing data
    assertThat(refused(c, Command.REGION_READ, new RegionAccess(4, 0, 4, new byte[4]).encode())).isEqualTo(Errno.EINVAL);
    // count above max_data_xfer_size
    assertThat(refused(c, Command.REGION_READ, new RegionAccess(0, 0, (1 << 20) + 1, new byte[0]).encode()))
        .isEqualTo(Errno.EINVAL);
    byte[] multi = new WriteMulti(List.of(new WriteEntry(0x20, 0, 4, 1))).encode();
    multi[0] = 2;
    assertThat(refused(c, Command.REGION_WRITE_MULTI, multi)).isEqualTo(Errno.EINVAL);
    byte[] nine = new WriteMulti(List.of(new WriteEntry(0x20, 0, 9, 1))).encode();
    assertThat(refused(c, Command.REGION_WRITE_MULTI, nine)).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.DEVICE_RESET, new byte[4])).isEqualTo(Errno.EINVAL);
    assertThat(device().log).isEmpty();
    stillServes(c);
  }

  /** The largest message the server takes: 16 header + 24 fixed part + max_data_xfer_size (1 MiB). */
  private static final long MAX_MESSAGE = 16 + 24 + (1 << 20);

  @Test
  void headerAnnouncingFourGibibytesIsAnsweredAtOnceAndTheConnectionEnds() throws Exception {
    VfioUserClient c = client();
    long start = System.nanoTime();
    c.sendRaw(raw(0x8001, Command.REGION_WRITE.code(), 0, new byte[0], 0xffff_fff0L)); // and no body, ever
    Message m = c.receiveRaw(Duration.ofSeconds(5));
    assertThat(m).as("an answer to a header whose payload never comes").isNotNull();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    assertThat(m.header().msgId()).isEqualTo(0x8001);
    assertThat(m.header().error()).isEqualTo(Errno.E2BIG);
    assertThatThrownBy(() -> c.read(0, 0, 4)).as("the connection is closed").isInstanceOf(IOException.class);
    stillServes(client());
  }

  @Test
  void oneByteAboveTheLimitIsRefusedAfterTheRepliesBeforeIt() throws Exception {
    VfioUserClient c = client();
    byte[] before = raw(0x8002, Command.REGION_READ, new RegionAccess(0, 0, 4, new byte[0]).encode());
    byte[] huge = raw(0x8003, Command.REGION_WRITE.code(), 0, new byte[0], MAX_MESSAGE + 1);
    byte[] both = Arrays.copyOf(before, before.length + huge.length);
    System.arraycopy(huge, 0, both, before.length, huge.length);
    c.sendRaw(both);
    Message first = c.receiveRaw(Duration.ofSeconds(5));
    Message second = c.receiveRaw(Duration.ofSeconds(5));
    assertThat(first.header().msgId()).isEqualTo(0x8002);
    assertThat(first.header().isError()).isFalse();
    assertThat(second.header().msgId()).isEqualTo(0x8003);
    assertThat(second.header().error()).isEqualTo(Errno.E2BIG);
    assertThatThrownBy(() -> c.read(0, 0, 4)).isInstanceOf(IOException.class);
    stillServes(client());
  }

  @Test
  void repliesBeforeAnOversizedMessageWithItsBodyArriveBeforeTheEnd() throws Exception {
    VfioUserClient c = client();
    int count = (1 << 20) + 64;
    byte[] before = raw(0x8005, Command.DIRTY_PAGES, new byte[8]); // answered on the device thread
    byte[] unknown = raw(0x8006, 28888, 0, new byte[0], 16); // answered by the reader
    byte[] huge = raw(0x8007, Command.REGION_WRITE, new RegionAccess(0, 2, count, new byte[count]).encode());
    c.sendRaw(before);
    c.sendRaw(unknown);
    // the body does not fit the socket buffer: the write fails once the server has closed
    var writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
      try {
        c.sendRaw(huge);
      } catch (IOException closedByServer) {
        // expected
      }
    });
    java.util.Set<Integer> ids = new java.util.HashSet<>();
    for (int i = 0; i < 3; i++) {
      Message m = c.receiveRaw(Duration.ofSeconds(5));
      assertThat(m).as("reply %d of 3 (got %s)", i + 1, ids).isNotNull();
      ids.add(m.header().msgId());
      if (m.header().msgId() == 0x8007) {
        assertThat(m.header().error()).isEqualTo(Errno.E2BIG);
      }
    }
    assertThat(ids).containsExactlyInAnyOrder(0x8005, 0x8006, 0x8007);
    writer.get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThatThrownBy(() -> c.read(0, 0, 4)).isInstanceOf(IOException.class);
    stillServes(client());
  }

  @Test
  void exactlyTheLimitIsAccepted() throws Exception {
    VfioUserClient c = client();
    int count = 1 << 20;
    byte[] write = Arrays.copyOf(new RegionAccess(0, 2, count, new byte[count]).encode(), 24 + count);
    assertThat(Header.SIZE + write.length).isEqualTo(MAX_MESSAGE);
    // read to the end and judged on its contents (8 spare bytes after the data), not its size
    assertThat(refused(c, Command.REGION_WRITE, write)).isEqualTo(Errno.EINVAL);
    stillServes(c);
  }

  @Test
  void oversizedNoReplyCommandOrReplyEndsTheConnectionSilently() throws Exception {
    for (int flags : new int[] {Header.NO_REPLY, Header.TYPE_REPLY}) {
      try (VfioUserClient c = VfioUserClient.open(server.socketPath())) {
        c.sendRaw(raw(0x8004, Command.REGION_WRITE.code(), flags, new byte[0], 0x8000_0000L));
        assertThatThrownBy(() -> c.read(0, 0, 4)).isInstanceOf(IOException.class);
        assertThat(c.receiveRaw(Duration.ZERO)).as("nothing answers a No_reply command or a reply").isNull();
      }
      try (VfioUserClient next = VfioUserClient.open(server.socketPath())) {
        stillServes(next);
      }
    }
  }

  @Test
  void unknownAndMisdirectedCommands() throws Exception {
    VfioUserClient c = client();
    assertThat(refused(c, raw(nextRawId++, 99, 0, new byte[8], 24))).isEqualTo(Errno.ENOSYS);
    assertThat(refused(c, raw(nextRawId++, 0, 0, new byte[8], 24))).isEqualTo(Errno.ENOSYS);
    assertThat(refused(c, Command.DIRTY_PAGES, new byte[8])).isEqualTo(Errno.ENOSYS);
    assertThat(refused(c, Command.DMA_READ, new byte[16])).isEqualTo(Errno.EINVAL);
    assertThat(refused(c, Command.VERSION, new io.vfu4j.runtime.protocol.Version(0, 0,
        io.vfu4j.runtime.protocol.Capabilities.defaults()).encode())).isEqualTo(Errno.EINVAL);
    stillServes(c);
  }

  @Test
  void unsupportedFeaturesAndMigrationOutOfState() throws Exception {
    VfioUserClient c = client();
    for (int feature : new int[] {FeatureMessages.DMA_LOGGING_START, FeatureMessages.DMA_LOGGING_STOP,
        FeatureMessages.DMA_LOGGING_REPORT, 42}) {
      assertThat(errno(() -> c.deviceFeature(feature | FeatureMessages.PROBE | FeatureMessages.SET, 64, new byte[0])))
          .isEqualTo(Errno.ENOTSUP);
    }
    assertThat(errno(() -> c.migrationRead(16))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.migrationWrite(new byte[16]))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> CommandsTest.setState(c, 6))).isEqualTo(Errno.EINVAL); // PRE_COPY not offered
    assertThat(errno(() -> CommandsTest.setState(c, 0))).isEqualTo(Errno.EINVAL); // ERROR cannot be asked for
    stillServes(c);
  }

  @Test
  void fdsOnMessagesThatMustNotCarryThemAreRefused() throws Exception {
    VfioUserClient c = client();
    try (EventFd e = EventFd.create()) {
      c.sendRaw(raw(nextRawId++, Command.REGION_READ, new RegionAccess(0, 0, 4, new byte[0]).encode()),
          e.fileDescriptor());
      Message m = c.receiveRaw(Duration.ofSeconds(5));
      assertThat(m.header().error()).isEqualTo(Errno.EINVAL);
      try (EventFd f = EventFd.create(); EventFd g = EventFd.create()) {
        c.sendRaw(raw(nextRawId++, Command.DMA_MAP, new DmaMap(3, 0, 0x10000, 0x1000).encode()),
            f.fileDescriptor(), g.fileDescriptor());
        assertThat(c.receiveRaw(Duration.ofSeconds(5)).header().error()).isEqualTo(Errno.EINVAL);
      }
    }
    stillServes(c);
  }

  @Test
  void refusedFdsAreClosedNotLeaked() throws Exception {
    VfioUserClient c = client();
    stillServes(c);
    long before = openFds();
    for (int i = 0; i < 40; i++) {
      try (EventFd e = EventFd.create()) {
        c.sendRaw(raw(nextRawId++, Command.DEVICE_GET_INFO, IndexQuery.encode(16, 0, 16)), e.fileDescriptor());
        assertThat(c.receiveRaw(Duration.ofSeconds(5)).header().error()).isEqualTo(Errno.EINVAL);
      }
      try (EventFd e = EventFd.create()) { // a refused SET_IRQS must close its fds too
        c.sendRaw(raw(nextRawId++, Command.DEVICE_SET_IRQS,
            new io.vfu4j.runtime.protocol.DeviceMessages.SetIrqs(0x24, 1, 0, 1, new byte[0]).encode()),
            e.fileDescriptor());
        assertThat(c.receiveRaw(Duration.ofSeconds(5)).header().error()).isEqualTo(Errno.EINVAL);
      }
    }
    assertThat(openFds()).isLessThan(before + 10);
  }

  private static long openFds() throws IOException {
    try (var s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  // ---- framing and negotiation: these end the connection, the server takes the next client ----

  @Test
  void shortHeaderThenCloseLeavesServerReady() throws Exception {
    VfioUserClient c = VfioUserClient.connect(server.socketPath());
    c.sendRaw(new byte[7]);
    c.close();
    stillServes(client());
  }

  @Test
  void badMessageTypeEndsConnection() throws Exception {
    VfioUserClient c = client();
    c.sendRaw(raw(1, Command.DEVICE_GET_INFO.code(), 0x2, IndexQuery.encode(16, 0, 16), 32));
    assertThatThrownBy(c::deviceInfo).isInstanceOf(IOException.class);
    c.close();
    stillServes(client());
  }

  @Test
  void sizeBelowHeaderEndsConnection() throws Exception {
    VfioUserClient c = client();
    c.sendRaw(raw(1, Command.DEVICE_GET_INFO.code(), 0, new byte[0], 8));
    assertThatThrownBy(c::deviceInfo).isInstanceOf(IOException.class);
    c.close();
    stillServes(client());
  }

  @Test
  void peerClosingMidMessageLeavesServerReady() throws Exception {
    VfioUserClient c = client();
    byte[] m = raw(1, Command.REGION_WRITE, new RegionAccess(0x04, 0, 4, new byte[] {1, 2, 3, 4}).encode());
    c.sendRaw(Arrays.copyOf(m, m.length - 3));
    c.close();
    VfioUserClient next = client();
    stillServes(next);
    assertThat(next.read(0, 4, 4)).isZero();
  }

  @Test
  void oversizedVersionIsAnsweredAndEndsTheConnection() throws Exception {
    VfioUserClient c = VfioUserClient.connect(server.socketPath());
    closeables.add(c);
    c.sendRaw(raw(7, Command.VERSION.code(), 0, new byte[0], 0xffff_ffffL));
    Message m = c.receiveRaw(Duration.ofSeconds(5));
    assertThat(m.header().error()).isEqualTo(Errno.E2BIG);
    stillServes(client());
  }

  @Test
  void firstMessageMustBeVersion() throws Exception {
    VfioUserClient c = VfioUserClient.connect(server.socketPath());
    closeables.add(c);
    assertThat(refused(c, Command.DEVICE_GET_INFO, IndexQuery.encode(16, 0, 16))).isEqualTo(Errno.EINVAL);
    stillServes(client());
  }

  @Test
  void versionRules() throws Exception {
    for (byte[] bad : List.of(
        version(0, "{\"capabilities\":{}}", false), // JSON not NUL-terminated
        version(1, "{}", true), // major 1
        version(0, "{\"capabilities\":{\"max_msg_fds\":\"x\"}}", true), // wrong type
        version(0, "{\"capabilities\":{\"max_msg_fds\":5000}}", true), // out of range
        version(0, "{\"capabilities\":{\"pgsizes\":8192}}", true), // no 4 KiB pages
        version(0, "{\"capabilities\":", true), // not JSON
        new byte[2])) {
      VfioUserClient c = VfioUserClient.connect(server.socketPath());
      closeables.add(c);
      assertThat(refused(c, Command.VERSION, bad)).isEqualTo(Errno.EINVAL);
    }
    VfioUserClient ok = VfioUserClient.connect(server.socketPath());
    closeables.add(ok);
    Message m = exchange(ok, raw(3, Command.VERSION,
        version(0, "{\"capabilities\":{\"future_key\":{\"a\":1},\"max_data_xfer_size\":4096},\"other\":[]}", true)));
    assertThat(m.header().isError()).isFalse();
    assertThat(m.header().msgId()).isEqualTo(3);
    assertThat(m.payload()[m.payload().length - 1]).isZero();
  }

  private static byte[] version(int major, String json, boolean nul) {
    byte[] text = json.getBytes(StandardCharsets.UTF_8);
    byte[] p = new byte[4 + text.length + (nul ? 1 : 0)];
    p[0] = (byte) major;
    System.arraycopy(text, 0, p, 4, text.length);
    return p;
  }

  static final int HEADER = Header.SIZE;
}

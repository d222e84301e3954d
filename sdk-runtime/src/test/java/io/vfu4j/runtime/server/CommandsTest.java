package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.api.ResetReason;
import io.vfu4j.host.RegionDescription;
import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.protocol.DeviceMessages.DeviceInfo;
import io.vfu4j.runtime.protocol.DeviceMessages.RegionInfo;
import io.vfu4j.runtime.protocol.DeviceMessages.SparseArea;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.FeatureMessages;
import io.vfu4j.runtime.protocol.RegionMessages.WriteEntry;
import io.vfu4j.runtime.protocol.Version;
import io.vfu4j.runtime.sys.Native;
import io.vfu4j.runtime.transport.Fds;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Happy paths of every client command, through the real socket. */
@Timeout(20)
class CommandsTest extends ServerFixture {

  @Test
  void versionAnswersZeroZeroWithOurLimits() throws Exception {
    VfioUserClient c = VfioUserClient.connect(server.socketPath());
    closeables.add(c);
    Version v = c.negotiate(VfioUserClient.Options.defaults());
    assertThat(v.major()).isZero();
    assertThat(v.minor()).isZero();
    assertThat(v.capabilities().maxMsgFds()).isEqualTo(16);
    assertThat(v.capabilities().maxDataXferSize()).isEqualTo(1 << 20);
    assertThat(v.capabilities().writeMultiple()).isTrue();
    assertThat(v.capabilities().twinSocket()).isFalse();
    assertThat(v.capabilities().migration()).isFalse();
  }

  @Test
  void qemuProposalGetsMigrationPageSizeAndNoTwinSocket() throws Exception {
    VfioUserClient c = connect(VfioUserClient.Options.qemu());
    assertThat(c.serverCapabilities().migration()).isTrue();
    assertThat(c.serverCapabilities().migrationPgsize()).isEqualTo(4096);
    assertThat(c.twinSocketActive()).isFalse();
  }

  @Test
  void deviceInfoIsPciWithResetNineRegionsFiveIrqs() throws Exception {
    DeviceInfo info = client().deviceInfo();
    assertThat(info.flags()).isEqualTo(DeviceInfo.FLAG_PCI | DeviceInfo.FLAG_RESET);
    assertThat(info.numRegions()).isEqualTo(9);
    assertThat(info.numIrqs()).isEqualTo(5);
  }

  @Test
  void regionInfoOfPlainBarAndConfigAndAbsentRegion() throws Exception {
    VfioUserClient c = client();
    RegionInfo bar0 = c.regionInfo(0).info();
    assertThat(bar0.size()).isEqualTo(4096);
    assertThat(bar0.flags()).isEqualTo(RegionInfo.FLAG_READ | RegionInfo.FLAG_WRITE);
    assertThat(c.regionInfo(7).info().size()).isEqualTo(256);
    RegionInfo bar1 = c.regionInfo(1).info();
    assertThat(bar1.size()).isZero();
    assertThat(bar1.flags()).isZero();
  }

  @Test
  void mmapRegionNeedsRetryThenBringsSparseAreaAndAWorkingFd() throws Exception {
    VfioUserClient c = client();
    RegionDescription small = c.regionInfo(2, 32);
    assertThat(small.info().argsz()).isEqualTo(32 + 16 + 16);
    assertThat(small.info().capsIncluded()).isFalse();
    assertThat(small.fd()).isNull();

    RegionDescription full = c.regionInfo(2);
    assertThat(full.attempts()).isEqualTo(2);
    assertThat(full.info().flags() & RegionInfo.FLAG_MMAP).isNotZero();
    assertThat(full.info().flags() & RegionInfo.FLAG_CAPS).isNotZero();
    assertThat(full.info().areas()).containsExactly(new SparseArea(0x1000, 0x1000));
    assertThat(full.fd()).isNotNull();

    // What the client writes through its own mapping, the server reads back by message.
    int fd = Native.fdNumber(full.fd());
    try (var mapping = io.vfu4j.runtime.sys.MappedFd.map(fd, 0, 8192, true)) {
      mapping.segment().set(ValueLayout.JAVA_INT_UNALIGNED, 0x1008, 0xcafef00d);
      assertThat(c.read(2, 0x1008, 4)).isEqualTo(0xcafef00dL);
      c.write(2, 0x1010, 8, 0x1122334455667788L);
      assertThat(mapping.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0x1010)).isEqualTo(0x1122334455667788L);
    } finally {
      Fds.close(full.fd());
    }
  }

  @Test
  void barRegistersAndPlainMemoryRange() throws Exception {
    VfioUserClient c = client();
    assertThat(c.read(0, 0, 4)).isEqualTo(TestDevice.ID);
    assertThat(c.read(0, 2, 2)).isEqualTo(TestDevice.ID >>> 16);
    c.write(0, 4, 4, 0xdeadbeefL);
    assertThat(c.read(0, 4, 4)).isEqualTo(0xdeadbeefL);
    c.write(0, 8, 8, 0x0102030405060708L);
    assertThat(c.read(0, 8, 8)).isEqualTo(0x0102030405060708L);
    // plain memory range of BAR2, odd shapes split into aligned pieces
    byte[] data = {1, 2, 3, 4, 5, 6, 7};
    c.writeRegion(2, 3, data);
    assertThat(c.readRegion(2, 3, 7)).containsExactly(data);
    assertThat(device().memory.get(0).get(ValueLayout.JAVA_BYTE, 3)).isEqualTo((byte) 1);
    assertThat(c.readRegion(0, 0, 0)).isEmpty();
  }

  @Test
  void configSpaceReadsWritesAndSplitsEightByteAccess() throws Exception {
    VfioUserClient c = client();
    assertThat(c.config16(0)).isEqualTo(TestDevice.VENDOR);
    assertThat(c.config16(2)).isEqualTo(TestDevice.DEVICE);
    assertThat(c.config32(0)).isEqualTo(TestDevice.VENDOR | TestDevice.DEVICE << 16);
    c.writeConfig16(4, 0xffff);
    assertThat(c.config16(4)).isEqualTo(0x0407);
    c.writeConfig32(0x10, 0xffffffff);
    assertThat(c.config32(0x10)).isEqualTo(0xfffff000);
    assertThat(c.read(7, 0, 8)).isEqualTo((TestDevice.VENDOR | (long) TestDevice.DEVICE << 16) | 0x0407L << 32);
    assertThat(c.config8(0x3d)).isEqualTo(1);
  }

  @Test
  void postedWritesKeepTheirOrderBeforeALaterRead() throws Exception {
    VfioUserClient c = client();
    for (int i = 0; i < 200; i++) {
      c.postWrite(0, 0x20, VfioUserClientBytes.le(i, 4));
    }
    assertThat(c.read(0, 0x24, 4)).isEqualTo(200);
    assertThat(device().log).containsExactlyElementsOf(java.util.stream.LongStream.range(0, 200).boxed().toList());
  }

  @Test
  void postedWriteThatFailsGetsNoReply() throws Exception {
    VfioUserClient c = client();
    c.postWrite(5, 0, new byte[4]); // BAR5 does not exist
    c.postWrite(0, 0x20, VfioUserClientBytes.le(7, 4));
    assertThat(c.read(0, 0x24, 4)).isEqualTo(1);
    assertThat(c.receiveRaw(java.time.Duration.ofMillis(200))).isNull();
  }

  @Test
  void writeMultiAppliesInOrder() throws Exception {
    VfioUserClient c = client();
    long done = c.writeMulti(List.of(new WriteEntry(0x20, 0, 4, 11), new WriteEntry(0x20, 0, 4, 22),
        new WriteEntry(0x04, 0, 4, 0x55aa), new WriteEntry(0x20, 0, 2, 0x33)));
    assertThat(done).isEqualTo(4);
    assertThat(device().log).containsExactly(11L, 22L, 0x33L);
    assertThat(c.read(0, 4, 4)).isEqualTo(0x55aa);
  }

  @Test
  void deviceResetGoesThroughTheOneResetPath() throws Exception {
    VfioUserClient c = client();
    c.write(0, 4, 4, 99);
    c.writeConfig16(4, 0x0006);
    c.reset();
    assertThat(device().resets).containsExactly(ResetReason.DEVICE_RESET);
    assertThat(c.read(0, 4, 4)).isZero();
    assertThat(c.config16(4)).isZero();
  }

  @Test
  void regionIoFdsAnswersHonestlyWithNone() throws Exception {
    assertThat(client().regionIoFdCount(0)).isZero();
  }

  @Test
  void irqInfoAnswersEveryIndex() throws Exception {
    VfioUserClient c = client();
    for (int i = 0; i < 5; i++) {
      assertThat(c.irqInfo(i).index()).isEqualTo(i);
    }
  }

  @Test
  void intxFiresTheEventfdAndMirrorsTheLevelInStatus() throws Exception {
    VfioUserClient c = client();
    assertThat(c.irqInfo(0).count()).isEqualTo(1);
    var fds = c.enableInterrupts(0, 1);
    try (var intx = fds.get(0)) {
      c.write(0, 0x2c, 4, 1);
      assertThat(intx.await(java.time.Duration.ofSeconds(5))).isEqualTo(1);
      assertThat(c.config16(6) & 0x08).isEqualTo(0x08);
      c.write(0, 0x2c, 4, 0);
      assertThat(c.config16(6) & 0x08).isZero();
    }
  }

  @Test
  void setIrqsRefusesOutOfRangeVectors() throws Exception {
    VfioUserClient c = client();
    int trigger = io.vfu4j.runtime.protocol.DeviceMessages.SetIrqs.ACTION_TRIGGER;
    int none = io.vfu4j.runtime.protocol.DeviceMessages.SetIrqs.DATA_NONE;
    assertThat(errno(() -> c.setIrqs(trigger | none, 1, 0, 1, new byte[0]))).isEqualTo(Errno.EINVAL); // no MSI
    assertThat(errno(() -> c.setIrqs(trigger | none, 5, 0, 1, new byte[0]))).isEqualTo(Errno.EINVAL);
    assertThat(errno(() -> c.setIrqs(trigger, 0, 0, 1, new byte[0]))).isEqualTo(Errno.EINVAL);
  }

  @Test
  void migrationFeatureAndStateMachineRoundTrip() throws Exception {
    VfioUserClient c = client();
    byte[] mig = c.deviceFeature(FeatureMessages.MIGRATION | FeatureMessages.GET, 16, new byte[0]);
    assertThat(ByteBuffer.wrap(mig).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(1);
    c.deviceFeature(FeatureMessages.MIGRATION | FeatureMessages.GET | FeatureMessages.PROBE, 8, new byte[0]);
    assertThat(state(c)).isEqualTo(Migration.RUNNING);

    c.write(0, 4, 4, 0x600d);
    c.write(0, 8, 8, 0x7777_0000_1111L);
    setState(c, Migration.STOP_COPY); // RUNNING -> STOP -> STOP_COPY
    assertThat(state(c)).isEqualTo(Migration.STOP_COPY);
    var stream = new java.io.ByteArrayOutputStream();
    for (byte[] part; (part = c.migrationRead(7)).length > 0; ) {
      assertThat(part.length).isLessThanOrEqualTo(7);
      stream.writeBytes(part);
    }
    setState(c, Migration.RUNNING);
    c.write(0, 4, 4, 1);
    c.write(0, 8, 8, 2);

    setState(c, Migration.RESUMING);
    c.migrationWrite(stream.toByteArray());
    setState(c, Migration.RUNNING);
    assertThat(c.read(0, 4, 4)).isEqualTo(0x600d);
    assertThat(c.read(0, 8, 8)).isEqualTo(0x7777_0000_1111L);
  }

  @Test
  void brokenMigrationStreamMovesToErrorUntilReset() throws Exception {
    VfioUserClient c = client();
    setState(c, Migration.RESUMING);
    c.migrationWrite(new byte[] {1, 2, 3});
    assertThat(errno(() -> setState(c, Migration.RUNNING))).isEqualTo(Errno.EINVAL);
    assertThat(state(c)).isEqualTo(Migration.ERROR);
    assertThat(errno(() -> setState(c, Migration.STOP))).isEqualTo(Errno.EINVAL);
    c.reset();
    assertThat(state(c)).isEqualTo(Migration.RUNNING);
  }

  static int state(VfioUserClient c) throws Exception {
    byte[] d = c.deviceFeature(FeatureMessages.MIG_DEVICE_STATE | FeatureMessages.GET, 16, new byte[0]);
    return ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  static void setState(VfioUserClient c, int state) throws Exception {
    byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(state).putInt(-1).array();
    c.deviceFeature(FeatureMessages.MIG_DEVICE_STATE | FeatureMessages.SET, 16, data);
  }
}

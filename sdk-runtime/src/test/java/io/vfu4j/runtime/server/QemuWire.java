package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.DeviceMessages.IndexQuery;
import io.vfu4j.runtime.protocol.DeviceMessages.RegionInfo;
import io.vfu4j.runtime.protocol.Header;
import io.vfu4j.runtime.protocol.Payload;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.transport.Fds;
import io.vfu4j.runtime.transport.Message;
import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The messages QEMU 10.1's vfio-user client sends, shaped as its hw/vfio-user/device.c,
 * proxy.c and container.c shape them, with the checks QEMU applies to every reply (reply no
 * larger than its receive buffer, fds only where it expects them, its capability and
 * region-info checks). Written from reading QEMU, for {@link QemuReplayTest}; not a copy of it.
 */
final class QemuWire {
  static final int INTX = 0, MSI = 1, MSIX = 2, ERR = 3;
  static final int DATA_NONE = 1, DATA_EVENTFD = 4, ACTION_MASK = 8, ACTION_UNMASK = 16, ACTION_TRIGGER = 32;
  static final int CONFIG = 7;
  /** QEMU's VERSION JSON, key for key (proxy.c caps_json; QDict hash order, ": " and ", " separators). */
  static final String QEMU_VERSION_JSON = "{\"capabilities\": {\"migration\": {\"pgsize\": 4096, "
      + "\"max_bitmap_size\": 268435456}, \"max_msg_fds\": 16, \"max_data_xfer_size\": 1048576, "
      + "\"pgsizes\": 4096, \"max_dma_maps\": 65535, \"write_multiple\": true}}";

  private final VfioUserClient c;
  private int rawId = 0x7000;
  /** proxy->max_send_fds: QEMU takes the server's max_msg_fds (default 8). */
  int maxSendFds = 8;
  long maxXferSize = 1 << 20;
  boolean writeMultiple;
  /** VFIO_PROXY_NO_POST: set once any region reports MMAP (device.c vfio_user_get_region_info). */
  boolean noPost;
  /** Every SET_IRQS sent, as "index:flags:start:count:fds", for assertions on the sequence. */
  final List<String> setIrqsLog = new ArrayList<>();

  QemuWire(VfioUserClient c) {
    this.c = c;
  }

  /** A call with QEMU's receive check: the reply must fit {@code rsize} (hdr.size by default). */
  Message call(Command command, byte[] payload, int rsize, int fdsExpected, FileDescriptor... fds)
      throws IOException {
    Message m = c.call(command, payload, fds);
    assertThat(Header.SIZE + m.payload().length).as("%s reply fits QEMU's buffer", command).isLessThanOrEqualTo(rsize);
    assertThat(m.fds().length).as("%s reply fds", command).isLessThanOrEqualTo(fdsExpected);
    return m;
  }

  Message call(Command command, byte[] payload, FileDescriptor... fds) throws IOException {
    return call(command, payload, Header.SIZE + payload.length, 0, fds);
  }

  /** proxy.c vfio_user_validate_version and caps_check. */
  JsonNode version() throws IOException {
    byte[] json = QEMU_VERSION_JSON.getBytes(StandardCharsets.UTF_8);
    byte[] p = Payload.allocate(4 + json.length + 1).putShort((short) 0).putShort((short) 0).put(json).array();
    Message m = call(Command.VERSION, p);
    ByteBuffer b = ByteBuffer.wrap(m.payload()).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getShort()).as("major").isEqualTo((short) 0);
    assertThat(b.getShort()).as("minor not above QEMU's 0").isEqualTo((short) 0);
    assertThat(m.payload()[m.payload().length - 1]).as("NUL-terminated").isZero();
    JsonNode root = JsonMapper.builder().build()
        .readTree(new String(m.payload(), 4, m.payload().length - 5, StandardCharsets.UTF_8));
    assertThat(root.isObject()).isTrue();
    assertThat(root.propertyNames()).containsExactly("capabilities");
    JsonNode caps = root.get("capabilities");
    assertThat(caps.isObject()).isTrue();
    for (String key : caps.propertyNames()) {
      JsonNode v = caps.get(key);
      switch (key) {
        case "max_msg_fds" -> {
          assertThat(v.isIntegralNumber() && v.longValue() >= 0 && v.longValue() <= 16).as(key).isTrue();
          maxSendFds = v.intValue();
        }
        case "max_data_xfer_size" -> {
          assertThat(v.isIntegralNumber() && v.longValue() >= 0 && v.longValue() <= 64L << 20).as(key).isTrue();
          maxXferSize = v.longValue();
        }
        case "pgsizes" -> assertThat(v.isIntegralNumber() && (v.longValue() & 4095) == 0).as(key).isTrue();
        case "max_dma_maps" -> assertThat(v.isIntegralNumber() && v.longValue() <= 65535).as(key).isTrue();
        case "write_multiple" -> {
          assertThat(v.isBoolean()).as(key).isTrue();
          writeMultiple = v.booleanValue();
        }
        case "migration" -> {
          assertThat(v.isObject()).as(key).isTrue();
          for (String k : v.propertyNames()) {
            JsonNode n = v.get(k);
            switch (k) {
              case "pgsize" -> assertThat(n.isIntegralNumber() && (n.longValue() & 4095) == 0).as(k).isTrue();
              case "max_bitmap_size" -> assertThat(n.isIntegralNumber() && n.longValue() <= 256L << 20).as(k).isTrue();
              default -> throw new AssertionError("QEMU warns about spurious migration key " + k);
            }
          }
        }
        default -> throw new AssertionError("QEMU warns about spurious capability " + key);
      }
    }
    return caps;
  }

  /** device.c vfio_user_get_device_info: {flags, num_regions, num_irqs}. */
  int[] deviceInfo() throws IOException {
    ByteBuffer b = ByteBuffer.wrap(call(Command.DEVICE_GET_INFO, Payload.allocate(16).putInt(16).array()).payload())
        .order(ByteOrder.LITTLE_ENDIAN);
    b.getInt();
    int[] info = {b.getInt(), b.getInt(), b.getInt()};
    assertThat(info[1]).as("num_regions within QEMU's defence").isLessThanOrEqualTo(100);
    assertThat(info[2]).as("num_irqs within QEMU's defence").isLessThanOrEqualTo(50);
    return info;
  }

  /** A region as QEMU keeps it after hw/vfio/device.c vfio_device_get_region_info. */
  record Region(RegionInfo info, FileDescriptor fd, int requests) {}

  /** The argsz loop of vfio_device_get_region_info with the vfio-user checks of device.c. */
  Region regionInfo(int index) throws IOException {
    long argsz = RegionInfo.SIZE;
    for (int requests = 1; ; requests++) {
      Message m = call(Command.DEVICE_GET_REGION_INFO, IndexQuery.encode(argsz, index, RegionInfo.SIZE),
          (int) argsz + Header.SIZE, 1);
      RegionInfo info;
      try {
        info = RegionInfo.decode(m.payload());
      } catch (ProtocolException e) {
        throw new AssertionError(e);
      }
      ByteBuffer b = ByteBuffer.wrap(m.payload()).order(ByteOrder.LITTLE_ENDIAN);
      long capOffset = Integer.toUnsignedLong(b.getInt(12));
      if ((info.flags() & RegionInfo.FLAG_CAPS) != 0) {
        // device.c vfio_user_device_io_get_region_info: else -EINVAL and realize fails
        assertThat(capOffset).as("cap_offset of region %d with CAPS", index)
            .isBetween((long) RegionInfo.SIZE, info.argsz());
      }
      if ((info.flags() & RegionInfo.FLAG_MMAP) != 0) {
        noPost = true;
      }
      if (info.argsz() > argsz) {
        Fds.close(m.fds());
        argsz = info.argsz();
        continue;
      }
      return new Region(info, m.fds().length == 1 ? m.fds()[0] : null, requests);
    }
  }

  /** device.c vfio_user_device_io_get_irq_info: {flags, count}. */
  long[] irqInfo(int index) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(call(Command.DEVICE_GET_IRQ_INFO,
        Payload.allocate(16).putInt(16).putInt(0).putInt(index).array()).payload()).order(ByteOrder.LITTLE_ENDIAN);
    b.getInt();
    long flags = Integer.toUnsignedLong(b.getInt());
    assertThat(b.getInt()).as("index").isEqualTo(index);
    return new long[] {flags, Integer.toUnsignedLong(b.getInt())};
  }

  /** device.c vfio_user_device_io_region_read; returns the bytes (QEMU checks count == asked). */
  byte[] regionRead(int region, long offset, int count) throws IOException {
    byte[] p = Payload.allocate(16).putLong(offset).putInt(region).putInt(count).array();
    Message m = call(Command.REGION_READ, p, Header.SIZE + 16 + count, 0);
    ByteBuffer b = ByteBuffer.wrap(m.payload()).order(ByteOrder.LITTLE_ENDIAN);
    int got = b.getInt(12);
    assertThat(got).as("REGION_READ count (QEMU: E2BIG if larger, short if smaller)").isEqualTo(count);
    byte[] data = new byte[got];
    b.position(16).get(data);
    return data;
  }

  long regionReadValue(int region, long offset, int size) throws IOException {
    byte[] d = regionRead(region, offset, size);
    long v = 0;
    for (int i = size - 1; i >= 0; i--) {
      v = v << 8 | (d[i] & 0xff);
    }
    return v;
  }

  long configRead(int offset, int size) throws IOException {
    return regionReadValue(CONFIG, offset, size);
  }

  /** device.c vfio_user_device_io_region_write, non-posted (config, or any write with NO_POST). */
  void regionWrite(int region, long offset, int size, long value) throws IOException {
    byte[] p = Payload.allocate(16 + size).putLong(offset).putInt(region).putInt(size).array();
    for (int i = 0; i < size; i++) {
      p[16 + i] = (byte) (value >>> (8 * i));
    }
    call(Command.REGION_WRITE, p);
  }

  void configWrite(int offset, int size, long value) throws IOException {
    regionWrite(CONFIG, offset, size, value);
  }

  /** A posted REGION_WRITE: NO_REPLY set, nothing comes back. */
  void postedWrite(int region, long offset, int size, long value) throws IOException {
    byte[] p = Payload.allocate(16 + size).putLong(offset).putInt(region).putInt(size).array();
    for (int i = 0; i < size; i++) {
      p[16 + i] = (byte) (value >>> (8 * i));
    }
    sendRaw(Command.REGION_WRITE, p, true);
  }

  /** proxy.c vfio_user_flush_multi: u64 wr_cnt, 24-byte entries, NO_REPLY. */
  void writeMulti(List<long[]> writes) throws IOException {
    ByteBuffer b = Payload.allocate(8 + 24 * writes.size()).putLong(writes.size());
    for (long[] w : writes) { // {region, offset, size, value}
      b.putLong(w[1]).putInt((int) w[0]).putInt((int) w[2]).putLong(w[3]);
    }
    sendRaw(Command.REGION_WRITE_MULTI, b.array(), true);
  }

  int sendRaw(Command command, byte[] payload, boolean noReply, FileDescriptor... fds) throws IOException {
    int id = rawId++;
    byte[] h = Header.command(id, command, payload.length, noReply).encode();
    byte[] all = new byte[h.length + payload.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(payload, 0, all, h.length, payload.length);
    c.sendRaw(all, fds);
    return id;
  }

  Message awaitRaw(Duration timeout) throws InterruptedException {
    return c.receiveRaw(timeout);
  }

  /** DATA_NONE SET_IRQS (vfio_device_irq_disable / _mask / _unmask in hw/vfio/device.c). */
  void setIrqsNone(int index, int action, int start, int count) throws IOException {
    setIrqs(DATA_NONE | action, index, start, count);
  }

  void disable(int index) throws IOException {
    setIrqsNone(index, ACTION_TRIGGER, 0, 0);
  }

  void mask(int index) throws IOException {
    setIrqsNone(index, ACTION_MASK, 0, 1);
  }

  void unmask(int index) throws IOException {
    setIrqsNone(index, ACTION_UNMASK, 0, 1);
  }

  /** vfio_device_irq_set_signaling: one vector, one fd or none (fd -1). */
  void signaling(int index, int vector, int action, FileDescriptor fdOrNull) throws IOException {
    List<FileDescriptor> one = new ArrayList<>();
    one.add(fdOrNull);
    eventfds(index, vector, action, one);
  }

  /**
   * device.c vfio_user_device_io_set_irqs for DATA_EVENTFD: argsz 20, fds as ancillary data, in
   * chunks of at most max_send_fds that are all valid or all -1 (null here); a chunk of -1 fds
   * carries no fds at all.
   */
  void eventfds(int index, int start, int action, List<FileDescriptor> fds) throws IOException {
    for (int sent = 0; sent < fds.size(); ) {
      int max = Math.min(fds.size() - sent, maxSendFds);
      boolean valid = fds.get(sent) != null;
      int n = 1;
      while (n < max && (fds.get(sent + n) != null) == valid) {
        n++;
      }
      FileDescriptor[] chunk = valid ? fds.subList(sent, sent + n).toArray(FileDescriptor[]::new) : new FileDescriptor[0];
      setIrqs(DATA_EVENTFD | action, index, start + sent, n, chunk);
      sent += n;
    }
  }

  private void setIrqs(int flags, int index, int start, int count, FileDescriptor... fds) throws IOException {
    byte[] p = Payload.allocate(20).putInt(20).putInt(flags).putInt(index).putInt(start).putInt(count).array();
    setIrqsLog.add(index + ":" + Integer.toHexString(flags) + ":" + start + ":" + count + ":" + fds.length);
    call(Command.DEVICE_SET_IRQS, p, fds);
  }

  /** container.c vfio_user_dma_map: argsz 32, flags READ (+WRITE unless read-only), offset 0 without fd. */
  byte[] dmaMap(long iova, long size, long fdOffset, boolean readOnly) {
    return Payload.allocate(32).putInt(32).putInt(readOnly ? 1 : 3).putLong(fdOffset).putLong(iova).putLong(size).array();
  }

  /** container.c vfio_user_dma_unmap: argsz 24, flags 2 for unmap-all. */
  Message dmaUnmap(long iova, long size, boolean all) throws IOException {
    byte[] p = Payload.allocate(24).putInt(24).putInt(all ? 2 : 0).putLong(iova).putLong(size).array();
    return call(Command.DMA_UNMAP, p);
  }
}

package io.vfu4j.runtime.server;

import io.vfu4j.runtime.protocol.Capabilities;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.DeviceMessages.IndexQuery;
import io.vfu4j.runtime.protocol.DeviceMessages.SetIrqs;
import io.vfu4j.runtime.protocol.DmaMessages;
import io.vfu4j.runtime.protocol.DmaMessages.DmaMap;
import io.vfu4j.runtime.protocol.DmaMessages.DmaTransfer;
import io.vfu4j.runtime.protocol.DmaMessages.DmaUnmap;
import io.vfu4j.runtime.protocol.FeatureMessages;
import io.vfu4j.runtime.protocol.FeatureMessages.DeviceFeature;
import io.vfu4j.runtime.protocol.FeatureMessages.MigData;
import io.vfu4j.runtime.protocol.Header;
import io.vfu4j.runtime.protocol.Payload;
import io.vfu4j.runtime.protocol.RegionMessages.RegionAccess;
import io.vfu4j.runtime.protocol.RegionMessages.WriteEntry;
import io.vfu4j.runtime.protocol.RegionMessages.WriteMulti;
import io.vfu4j.runtime.protocol.Version;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The fuzzer's message generator: a valid payload of every client command (aimed at the test
 * devices' registers and regions), and structure-aware mutations of payloads and headers.
 */
final class FuzzMessages {
  /** Values that sit on the edges the decoders check. */
  static final long[] INTERESTING = {0, 1, 2, 3, 4, 7, 8, 15, 16, 20, 24, 31, 32, 33, 0xff, 0x100, 0x101, 0xfff,
      0x1000, 0x1001, 0x2000, 0xffff, 0x10000, 0x10_0000, 0x10_0010, 0x7fff_ffffL, 0x8000_0000L, 0xffff_ffffL,
      0x1_0000_0000L, Long.MAX_VALUE, Long.MIN_VALUE, -1, -2, -4096};
  /** Guest addresses the fuzzer maps memory at, so generated DMA_MAP/UNMAP hit real mappings. */
  static final long[] GUEST = {0x4000_0000L, 0x4001_0000L, 0x8000_0000L, 0};

  private final Random r;

  FuzzMessages(Random r) {
    this.r = r;
  }

  /** A client-to-server command the fuzzer generates, weighted towards the ones with structure. */
  Command command() {
    Command[] all = Command.values();
    return all[r.nextInt(all.length)];
  }

  /** A well-formed payload for {@code command}. */
  byte[] valid(Command command) {
    return switch (command) {
      case VERSION -> new Version(0, 0, Capabilities.defaults()).encode();
      case DMA_MAP -> new DmaMap(1 + r.nextInt(3), r.nextBoolean() ? 0 : 0x1000, pick(GUEST), 0x1000L << r.nextInt(5))
          .encode();
      case DMA_UNMAP -> r.nextInt(4) == 0 ? new DmaUnmap(24, DmaMessages.UNMAP_ALL, 0, 0).encode()
          : new DmaUnmap(24, 0, pick(GUEST), 0x1000L << r.nextInt(5)).encode();
      case DEVICE_GET_INFO -> IndexQuery.encode(16, 0, 16);
      case DEVICE_GET_REGION_INFO -> IndexQuery.encode(r.nextBoolean() ? 32 : 80, r.nextInt(10), 32);
      case DEVICE_GET_REGION_IO_FDS -> IndexQuery.encode(4096, r.nextInt(10), 16);
      case DEVICE_GET_IRQ_INFO -> IndexQuery.encode(16, r.nextInt(6), 16);
      case DEVICE_SET_IRQS -> setIrqs();
      case REGION_READ -> new RegionAccess(offset(), region(), size(), new byte[0]).encode();
      case REGION_WRITE -> {
        int n = size();
        byte[] data = new byte[n];
        r.nextBytes(data);
        yield new RegionAccess(offset(), region(), n, data).encode();
      }
      case DMA_READ, DMA_WRITE -> new DmaTransfer(pick(GUEST), 8, new byte[8]).encode(r.nextBoolean());
      case DEVICE_RESET -> new byte[0];
      case DIRTY_PAGES -> new byte[8];
      case REGION_WRITE_MULTI -> {
        List<WriteEntry> writes = new ArrayList<>();
        for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
          writes.add(new WriteEntry(offset(), region(), 1 << r.nextInt(4), r.nextLong()));
        }
        yield new WriteMulti(writes).encode();
      }
      case DEVICE_FEATURE -> feature();
      case MIG_DATA_READ -> new MigData(8 + 64, 64, new byte[0]).encode();
      case MIG_DATA_WRITE -> {
        byte[] data = new byte[r.nextInt(64)];
        r.nextBytes(data);
        yield new MigData(8 + data.length, data.length, data).encode();
      }
      // IOMMU extension (docs/protocol-extension.md): never negotiated by the fuzzer, so these must
      // be refused; sized as their layouts, contents random.
      case ATS_INVALIDATE -> randomBytes(24);
      case PRI_PAGE_RESPONSE -> randomBytes(16);
      case ATS_TRANSLATE -> randomBytes(16);
      case DMA_READ_EX -> randomBytes(24);
      case DMA_WRITE_EX -> randomBytes(24 + 8);
      case PRI_PAGE_REQUEST -> randomBytes(32);
    };
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private byte[] setIrqs() {
    int index = r.nextInt(6);
    int start = r.nextInt(3);
    int count = r.nextInt(3);
    int action = new int[] {SetIrqs.ACTION_MASK, SetIrqs.ACTION_UNMASK, SetIrqs.ACTION_TRIGGER}[r.nextInt(3)];
    return switch (r.nextInt(3)) {
      case 0 -> new SetIrqs(SetIrqs.DATA_NONE | action, index, start, count, new byte[0]).encode();
      case 1 -> {
        byte[] bools = new byte[count];
        for (int i = 0; i < count; i++) {
          bools[i] = (byte) r.nextInt(2);
        }
        yield new SetIrqs(SetIrqs.DATA_BOOL | action, index, start, count, bools).encode();
      }
      default -> new SetIrqs(SetIrqs.DATA_EVENTFD | SetIrqs.ACTION_TRIGGER, index, start, count, new byte[0]).encode();
    };
  }

  private byte[] feature() {
    int feature = new int[] {FeatureMessages.MIGRATION, FeatureMessages.MIG_DEVICE_STATE,
        FeatureMessages.DMA_LOGGING_START, 3}[r.nextInt(4)];
    int op = new int[] {FeatureMessages.GET, FeatureMessages.SET, FeatureMessages.PROBE | FeatureMessages.GET}[r.nextInt(3)];
    byte[] data = op == FeatureMessages.SET
        ? Payload.allocate(8).putInt(new int[] {1, 2, 3, 4}[r.nextInt(4)]).putInt(0).array()
        : new byte[0];
    return new DeviceFeature(16, feature | op, data).encode();
  }

  /** An offset on the test devices' registers, memory ranges, MSI-X table, or anywhere. */
  private long offset() {
    return switch (r.nextInt(4)) {
      case 0 -> 4L * r.nextInt(12);
      case 1 -> r.nextInt(0x100);
      case 2 -> 0x1000 + r.nextInt(0x1000);
      default -> pick(INTERESTING);
    };
  }

  private int region() {
    return r.nextInt(5) == 0 ? io.vfu4j.host.VfioUserClient.CONFIG_REGION : r.nextInt(9);
  }

  private int size() {
    return new int[] {1, 2, 4, 8, 3, 16, 0}[r.nextInt(7)];
  }

  long pick(long[] values) {
    return values[r.nextInt(values.length)];
  }

  /** One to three payload mutations: bit flips (mostly in the leading fields), field values, truncation, extension. */
  byte[] mutate(byte[] payload) {
    byte[] p = payload;
    for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
      switch (r.nextInt(5)) {
        case 0, 1 -> {
          if (p.length > 0) {
            int at = r.nextInt(4) > 0 ? r.nextInt(Math.min(p.length, 32)) : r.nextInt(p.length);
            p[at] ^= (byte) (1 << r.nextInt(8));
          }
        }
        case 2 -> {
          int width = r.nextBoolean() ? 4 : 8;
          if (p.length >= width) {
            int at = (r.nextInt(p.length - width + 1) / 4) * 4;
            ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
            long v = r.nextInt(8) == 0 ? r.nextLong() : pick(INTERESTING);
            if (width == 4) {
              b.putInt(at, (int) v);
            } else {
              b.putLong(at, v);
            }
          }
        }
        case 3 -> p = Arrays.copyOf(p, p.length == 0 ? 0 : r.nextInt(p.length));
        default -> {
          int old = p.length;
          p = Arrays.copyOf(p, old + 1 + r.nextInt(r.nextBoolean() ? 8 : 64));
          for (int k = old; k < p.length; k++) {
            p[k] = (byte) r.nextInt();
          }
        }
      }
    }
    return p;
  }

  /** A VERSION payload with random, often wrong, capabilities. */
  byte[] version() {
    String[] values = {"0", "1", "-1", "4096", "16", "1048576", "4294967296", "\"x\"", "true", "null", "{}", "[]",
        "1e99", "18446744073709551616"};
    String[] keys = {"max_msg_fds", "max_data_xfer_size", "max_dma_maps", "pgsizes", "write_multiple", "migration",
        "twin_socket", "unknown"};
    StringBuilder json = new StringBuilder("{\"capabilities\":{");
    for (int i = 0, n = r.nextInt(4); i < n; i++) {
      String key = keys[r.nextInt(keys.length)];
      String value = switch (key) {
        case "migration" -> r.nextBoolean() ? "{\"supported\":true}"
            : "{\"pgsize\":4096,\"max_bitmap_size\":" + values[r.nextInt(values.length)] + "}";
        case "twin_socket" -> r.nextInt(4) == 0 ? values[r.nextInt(values.length)]
            : "{\"supported\":" + r.nextBoolean() + "}";
        default -> values[r.nextInt(values.length)];
      };
      json.append(i > 0 ? "," : "").append('"').append(key).append("\":").append(value);
    }
    json.append("}}");
    byte[] text = json.toString().getBytes(StandardCharsets.UTF_8);
    byte[] p = new byte[4 + text.length + 1];
    p[0] = (byte) (r.nextInt(8) == 0 ? 1 : 0);
    System.arraycopy(text, 0, p, 4, text.length);
    return r.nextInt(4) == 0 ? mutate(p) : p;
  }

  /** Header and payload in one buffer; {@code size} may lie about the length. */
  static byte[] frame(int id, int command, int flags, int error, byte[] payload, long size) {
    ByteBuffer b = ByteBuffer.allocate(Header.SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) id).putShort((short) command).putInt((int) size).putInt(flags).putInt(error).put(payload);
    return b.array();
  }
}

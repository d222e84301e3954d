package io.vfu4j.runtime.protocol;

import java.nio.ByteBuffer;
import java.util.List;

/** DEVICE_GET_INFO (4), GET_REGION_INFO (5), GET_REGION_IO_FDS (6), GET_IRQ_INFO (7), SET_IRQS (8). */
public final class DeviceMessages {
  private DeviceMessages() {}

  /** A request that carries only {@code argsz} and an index at offset 8 (region/IRQ info, io fds). */
  public record IndexQuery(long argsz, int flags, int index, long count) {
    public static IndexQuery decode(byte[] p, int minSize, String what) throws ProtocolException {
      Payload.atLeast(p, 16, what);
      ByteBuffer b = Payload.wrap(p);
      IndexQuery q = new IndexQuery(Payload.u32(b), b.getInt(), b.getInt(), Payload.u32(b));
      Payload.argszAtLeast(q.argsz, minSize, what);
      return q;
    }

    public static byte[] encode(long argsz, int index, int size) {
      return Payload.allocate(size).putInt((int) argsz).putInt(0).putInt(index).array();
    }
  }

  /** DEVICE_GET_INFO reply. */
  public record DeviceInfo(int flags, int numRegions, int numIrqs) {
    public static final int SIZE = 16, FLAG_RESET = 1, FLAG_PCI = 2;

    public byte[] encode() {
      return Payload.allocate(SIZE).putInt(SIZE).putInt(flags).putInt(numRegions).putInt(numIrqs).array();
    }

    public static DeviceInfo decode(byte[] p) throws ProtocolException {
      Payload.atLeast(p, SIZE, "DEVICE_GET_INFO reply");
      ByteBuffer b = Payload.wrap(p);
      b.getInt();
      return new DeviceInfo(b.getInt(), b.getInt(), b.getInt());
    }
  }

  /** One sparse mmap area, offsets relative to the region's mmap offset. */
  public record SparseArea(long offset, long size) {}

  /**
   * DEVICE_GET_REGION_INFO reply: the fixed 32 bytes and, when {@code argsz} allowed, the
   * capability chain (a sparse mmap capability when {@code areas} is not empty).
   *
   * @param argsz the full size of the answer (32 + capabilities)
   * @param capsIncluded the capability chain is present in this reply
   */
  public record RegionInfo(long argsz, int flags, int index, long size, long offset, List<SparseArea> areas,
      boolean capsIncluded) {
    public static final int SIZE = 32;
    public static final int FLAG_READ = 1, FLAG_WRITE = 2, FLAG_MMAP = 4, FLAG_CAPS = 8;
    public static final int CAP_SPARSE_MMAP = 1, CAP_TYPE = 2;

    public RegionInfo {
      areas = List.copyOf(areas);
    }

    /** The chain's size: sparse mmap header 16 + 16 per area. */
    public static int capsSize(List<SparseArea> areas) {
      return areas.isEmpty() ? 0 : 16 + 16 * areas.size();
    }

    /** The reply for a client that accepts {@code requestArgsz} bytes. */
    public static RegionInfo answer(long requestArgsz, int flags, int index, long size, long offset,
        List<SparseArea> areas) {
      long full = SIZE + capsSize(areas);
      boolean fits = requestArgsz >= full && !areas.isEmpty();
      // CAPS only with the chain present: QEMU's client refuses CAPS whose cap_offset is not
      // inside the reply (hw/vfio-user/device.c), and the kernel-style cap_offset 0 is not.
      int f = fits ? flags | FLAG_CAPS : flags;
      return new RegionInfo(full, f, index, size, offset, areas, fits);
    }

    public byte[] encode() {
      int caps = capsIncluded ? capsSize(areas) : 0;
      ByteBuffer b = Payload.allocate(SIZE + caps);
      b.putInt((int) argsz).putInt(flags).putInt(index).putInt(capsIncluded ? SIZE : 0).putLong(size).putLong(offset);
      if (capsIncluded) {
        b.putShort((short) CAP_SPARSE_MMAP).putShort((short) 1).putInt(0).putInt(areas.size()).putInt(0);
        for (SparseArea a : areas) {
          b.putLong(a.offset()).putLong(a.size());
        }
      }
      return b.array();
    }

    /** Decodes a reply, walking the capability chain within bounds (host side). */
    public static RegionInfo decode(byte[] p) throws ProtocolException {
      Payload.atLeast(p, SIZE, "GET_REGION_INFO reply");
      ByteBuffer b = Payload.wrap(p);
      long argsz = Payload.u32(b);
      int flags = b.getInt();
      int index = b.getInt();
      long capOffset = Payload.u32(b);
      long size = b.getLong();
      long offset = b.getLong();
      List<SparseArea> areas = new java.util.ArrayList<>();
      boolean included = false;
      int hops = 0;
      while (capOffset != 0 && (flags & FLAG_CAPS) != 0) {
        if (capOffset < SIZE || capOffset + 8 > p.length || ++hops > 16) {
          throw ProtocolException.invalid("GET_REGION_INFO reply: capability at " + capOffset + " out of bounds");
        }
        included = true;
        int at = (int) capOffset;
        int id = b.getShort(at) & 0xffff;
        long next = Integer.toUnsignedLong(b.getInt(at + 4));
        if (id == CAP_SPARSE_MMAP) {
          long n = Payload.u32(b.position(at + 8));
          if (at + 16 + 16 * n > p.length) {
            throw ProtocolException.invalid("GET_REGION_INFO reply: sparse areas overrun the reply");
          }
          b.position(at + 16);
          for (int i = 0; i < n; i++) {
            areas.add(new SparseArea(b.getLong(), b.getLong()));
          }
        }
        capOffset = next;
      }
      return new RegionInfo(argsz, flags, index, size, offset, areas, included);
    }
  }

  /** DEVICE_GET_IRQ_INFO reply. */
  public record IrqInfo(int flags, int index, long count) {
    public static final int SIZE = 16;
    public static final int FLAG_EVENTFD = 1, FLAG_MASKABLE = 2, FLAG_AUTOMASKED = 4, FLAG_NORESIZE = 8;

    public byte[] encode() {
      return Payload.allocate(SIZE).putInt(SIZE).putInt(flags).putInt(index).putInt((int) count).array();
    }

    public static IrqInfo decode(byte[] p) throws ProtocolException {
      Payload.atLeast(p, SIZE, "GET_IRQ_INFO reply");
      ByteBuffer b = Payload.wrap(p);
      b.getInt();
      return new IrqInfo(b.getInt(), b.getInt(), Payload.u32(b));
    }
  }

  /** DEVICE_GET_REGION_IO_FDS reply header: always {@code count} 0 here (no io fds offered). */
  public record RegionIoFds(int index, long count) {
    public static final int SIZE = 16;

    public byte[] encode() {
      return Payload.allocate(SIZE).putInt(SIZE).putInt(0).putInt(index).putInt((int) count).array();
    }
  }

  /** DEVICE_SET_IRQS request; {@code data} holds the booleans of DATA_BOOL, else empty. */
  public record SetIrqs(int flags, int index, long start, long count, byte[] data) {
    public static final int SIZE = 20;
    public static final int DATA_NONE = 1, DATA_BOOL = 2, DATA_EVENTFD = 4;
    public static final int ACTION_MASK = 8, ACTION_UNMASK = 16, ACTION_TRIGGER = 32;

    public byte[] encode() {
      ByteBuffer b = Payload.allocate(SIZE + data.length);
      return b.putInt(SIZE + data.length).putInt(flags).putInt(index).putInt((int) start).putInt((int) count)
          .put(data).array();
    }

    /**
     * Decodes the structure; the semantic checks (one action, one data type, vector ranges, fd
     * count) belong to the IRQ controller.
     */
    public static SetIrqs decode(byte[] p) throws ProtocolException {
      Payload.atLeast(p, SIZE, "SET_IRQS");
      ByteBuffer b = Payload.wrap(p);
      long argsz = Payload.u32(b);
      if (argsz != p.length) {
        throw ProtocolException.invalid("SET_IRQS: argsz " + argsz + " is not the payload size " + p.length);
      }
      int flags = b.getInt();
      int index = b.getInt();
      long start = Payload.u32(b);
      long count = Payload.u32(b);
      byte[] data = new byte[p.length - SIZE];
      b.get(data);
      if ((flags & DATA_BOOL) != 0 ? data.length != count : data.length != 0) {
        throw ProtocolException.invalid("SET_IRQS: " + data.length + " data bytes for count " + count);
      }
      return new SetIrqs(flags, index, start, count, data);
    }
  }
}

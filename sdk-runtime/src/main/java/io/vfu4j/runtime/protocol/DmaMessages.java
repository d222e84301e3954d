package io.vfu4j.runtime.protocol;

import java.nio.ByteBuffer;

/** DMA_MAP (2), DMA_UNMAP (3), DMA_READ (11) and DMA_WRITE (12) payloads. */
public final class DmaMessages {
  private DmaMessages() {}

  public static final int MAP_READ = 1, MAP_WRITE = 2;
  public static final int UNMAP_GET_DIRTY_BITMAP = 1, UNMAP_ALL = 2;
  /** IOMMU extension (docs/protocol-extension.md §6): PASID space, translated space, PASID in bits 12–31. */
  public static final int FLAG_PASID_VALID = 1 << 8, FLAG_TRANSLATED = 1 << 9, PASID_SHIFT = 12;

  /** The PASID of extended flags, -1 when bit 8 is clear. */
  public static int pasidOf(int flags) {
    return (flags & FLAG_PASID_VALID) != 0 ? flags >>> PASID_SHIFT : -1;
  }

  /** True when bit 9 names the translated space. */
  public static boolean translatedOf(int flags) {
    return (flags & FLAG_TRANSLATED) != 0;
  }

  /**
   * Checks the extension bits of DMA_MAP/DMA_UNMAP against the negotiated extension ({@code null}
   * when off): without it they are unknown bits; bit 8 needs {@code pasid}, bit 9 needs {@code ats}
   * and excludes bit 8; the PASID must be 0 without bit 8 and below 2^width with it.
   */
  static void checkSpaceBits(String what, int flags, IommuOffer iommu) throws ProtocolException {
    boolean pasid = (flags & FLAG_PASID_VALID) != 0;
    boolean translated = (flags & FLAG_TRANSLATED) != 0;
    int value = flags >>> PASID_SHIFT;
    if ((flags & 0xc00) != 0 || (!pasid && value != 0)
        || (pasid && (iommu == null || !iommu.pasid() || value >= 1 << iommu.pasidWidth()))
        || (translated && (iommu == null || !iommu.ats() || pasid))) {
      throw ProtocolException.invalid(what + ": unsupported flags 0x" + Integer.toHexString(flags));
    }
  }

  private static final int SPACE_BITS = ~0xff;

  /** DMA_MAP request; {@code argsz} is the size of this 32-byte structure. */
  public record DmaMap(int flags, long offset, long address, long size) {
    public static final int SIZE = 32;

    public boolean readable() {
      return (flags & MAP_READ) != 0;
    }

    public boolean writable() {
      return (flags & MAP_WRITE) != 0;
    }

    public byte[] encode() {
      return Payload.allocate(SIZE).putInt(SIZE).putInt(flags).putLong(offset).putLong(address).putLong(size).array();
    }

    public static DmaMap decode(byte[] p) throws ProtocolException {
      return decode(p, null);
    }

    /** Decodes with the extension's space bits allowed as negotiated ({@code iommu} null: off). */
    public static DmaMap decode(byte[] p, IommuOffer iommu) throws ProtocolException {
      Payload.atLeast(p, SIZE, "DMA_MAP");
      ByteBuffer b = Payload.wrap(p);
      long argsz = Payload.u32(b);
      if (argsz < SIZE || argsz > p.length) {
        throw ProtocolException.invalid("DMA_MAP: argsz " + argsz + " is not the structure size " + SIZE);
      }
      int flags = b.getInt();
      checkSpaceBits("DMA_MAP", flags, iommu);
      if ((flags & ~(MAP_READ | MAP_WRITE | SPACE_BITS)) != 0) {
        throw ProtocolException.invalid("DMA_MAP: unknown flags 0x" + Integer.toHexString(flags));
      }
      DmaMap m = new DmaMap(flags, b.getLong(), b.getLong(), b.getLong());
      if (m.size == 0 || Long.compareUnsigned(m.address + m.size - 1, m.address) < 0) {
        throw ProtocolException.invalid("DMA_MAP: empty or wrapping range");
      }
      if (m.offset < 0) {
        throw ProtocolException.invalid("DMA_MAP: file offset " + Long.toUnsignedString(m.offset) + " too large");
      }
      return m;
    }
  }

  /** DMA_UNMAP request and reply (24 bytes; the legacy bitmap variant is refused). */
  public record DmaUnmap(long argsz, int flags, long address, long size) {
    public static final int SIZE = 24;

    public boolean all() {
      return (flags & UNMAP_ALL) != 0;
    }

    public byte[] encode() {
      return Payload.allocate(SIZE).putInt((int) argsz).putInt(flags).putLong(address).putLong(size).array();
    }

    public static DmaUnmap decode(byte[] p) throws ProtocolException {
      return decode(p, null);
    }

    /** Decodes with the extension's space bits allowed as negotiated ({@code iommu} null: off). */
    public static DmaUnmap decode(byte[] p, IommuOffer iommu) throws ProtocolException {
      Payload.atLeast(p, SIZE, "DMA_UNMAP");
      ByteBuffer b = Payload.wrap(p);
      DmaUnmap u = new DmaUnmap(Payload.u32(b), b.getInt(), b.getLong(), b.getLong());
      Payload.argszAtLeast(u.argsz, SIZE, "DMA_UNMAP");
      if ((u.flags & UNMAP_GET_DIRTY_BITMAP) != 0) {
        // Legacy migration-v1 dirty bitmap: needs dirty logging, which this server never runs.
        throw new ProtocolException(Errno.ENOTSUP, "DMA_UNMAP: dirty bitmap requested but dirty logging is not running");
      }
      checkSpaceBits("DMA_UNMAP", u.flags, iommu);
      if ((u.flags & ~(UNMAP_ALL | SPACE_BITS)) != 0) {
        throw ProtocolException.invalid("DMA_UNMAP: unknown flags 0x" + Integer.toHexString(u.flags));
      }
      if (u.all() && (u.address != 0 || u.size != 0)) {
        throw ProtocolException.invalid("DMA_UNMAP: unmap-all needs address and size 0");
      }
      if (!u.all() && u.size == 0) {
        throw ProtocolException.invalid("DMA_UNMAP: empty range");
      }
      return u;
    }
  }

  /**
   * The payload of DMA_READ/DMA_WRITE requests and replies. Two layouts exist: the spec's
   * ({@code address u64, count u64, data at 16}) and QEMU's ({@code VFIOUserDMARW}: address u64,
   * count u32, data at 12, and the struct's 4 bytes of tail padding counted in the size, so a
   * payload is 16 + data bytes either way; its DMA_WRITE reply is empty). Same length, different
   * data offset: a receiver must know which layout its peer speaks.
   */
  public record DmaTransfer(long address, long count, byte[] data) {
    /** Encodes in the spec layout or QEMU's. */
    public byte[] encode(boolean qemuLayout) {
      ByteBuffer b = Payload.allocate(16 + data.length).putLong(address);
      if (qemuLayout) {
        b.putInt((int) count);
      } else {
        b.putLong(count);
      }
      return b.put(data).array();
    }

    /** A request without data (DMA_READ) or an acknowledgement (DMA_WRITE reply). */
    public static DmaTransfer header(long address, long count) {
      return new DmaTransfer(address, count, new byte[0]);
    }

    /**
     * Decodes a message carrying {@code expectedData} data bytes in the given layout. A payload of
     * exactly 12 + data bytes is taken as QEMU's layout without the padding, whatever was asked.
     */
    public static DmaTransfer decode(byte[] p, long expectedData, boolean qemuLayout) throws ProtocolException {
      Payload.atLeast(p, 12, "DMA transfer");
      ByteBuffer b = Payload.wrap(p);
      long address = b.getLong();
      boolean qemu = qemuLayout || p.length == 12 + expectedData;
      if (p.length < (qemu ? 12 : 16) + expectedData) {
        throw ProtocolException.invalid("DMA transfer: payload of " + p.length + " bytes is short for "
            + expectedData + " data bytes");
      }
      long count = qemu ? Payload.u32(b) : b.getLong();
      byte[] data = new byte[(int) expectedData];
      b.position(qemu ? 12 : 16).get(data);
      return new DmaTransfer(address, count, data);
    }
  }
}

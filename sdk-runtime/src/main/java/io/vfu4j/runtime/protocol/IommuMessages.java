package io.vfu4j.runtime.protocol;

import java.nio.ByteBuffer;

/**
 * Payloads of the IOMMU extension (docs/protocol-extension.md §2, §4): ATS_TRANSLATE (101),
 * ATS_INVALIDATE (102), DMA_READ_EX/DMA_WRITE_EX (103/104), PRI_PAGE_REQUEST (105) and
 * PRI_PAGE_RESPONSE (106). Decoders validate strictly (size, reserved flag bits, alignment, PASID
 * width) and refuse with {@code EINVAL}; reserved fields are ignored.
 */
public final class IommuMessages {
  private IommuMessages() {}

  /** Common flag bits (§2.1); one table for every message. */
  public static final int R = 0x1, W = 0x2, X = 0x4, P = 0x8;
  public static final int PASID_VALID = 0x100, TRANSLATED = 0x200, GLOBAL = 0x400, LAST = 0x800;
  /** The {@code pasid} field when {@code PASID_VALID} is clear. */
  public static final int NO_PASID = 0xFFFF_FFFF;
  /** The extension's page size. */
  public static final long PAGE = 4096;
  /** ATS_INVALIDATE {@code size} meaning the whole 64-bit space. */
  public static final long WHOLE_SPACE = -1L;
  /** Translation permission bits beyond R/W/X/P: untranslated only, global. */
  public static final int PERM_U = 0x10, PERM_G = 0x20;

  /**
   * Checks the flag rules every message shares: only {@code allowed} bits, X/P need PASID_VALID,
   * TRANSLATED excludes PASID_VALID, a valid PASID below 2^{@code pasidWidth}.
   */
  static void checkFlags(String what, int flags, int allowed, int pasid, int pasidWidth) throws ProtocolException {
    if ((flags & ~allowed) != 0) {
      throw ProtocolException.invalid(what + ": reserved flag bits 0x" + Integer.toHexString(flags & ~allowed));
    }
    boolean valid = (flags & PASID_VALID) != 0;
    if ((flags & (X | P)) != 0 && !valid) {
      throw ProtocolException.invalid(what + ": X/P without PASID_VALID");
    }
    if ((flags & TRANSLATED) != 0 && valid) {
      throw ProtocolException.invalid(what + ": TRANSLATED with PASID_VALID");
    }
    if (valid && (pasidWidth <= 0 || Integer.toUnsignedLong(pasid) >= 1L << pasidWidth)) {
      throw ProtocolException.invalid(what + ": PASID " + Integer.toUnsignedString(pasid)
          + " outside the negotiated width " + pasidWidth);
    }
  }

  static boolean powerOfTwo(long v) {
    return v != 0 && (v & (v - 1)) == 0;
  }

  /** ATS_TRANSLATE request (16 bytes). */
  public record AtsTranslate(long addr, int flags, int pasid) {
    public static final int SIZE = 16;

    public byte[] encode() {
      return Payload.allocate(SIZE).putLong(addr).putInt(flags).putInt(pasid).array();
    }

    public static AtsTranslate decode(byte[] p, int pasidWidth) throws ProtocolException {
      Payload.exactly(p, SIZE, "ATS_TRANSLATE");
      ByteBuffer b = Payload.wrap(p);
      AtsTranslate t = new AtsTranslate(b.getLong(), b.getInt(), b.getInt());
      checkFlags("ATS_TRANSLATE", t.flags, W | X | P | PASID_VALID, t.pasid, pasidWidth);
      return t;
    }
  }

  /** ATS_TRANSLATE reply (24 bytes). */
  public record Translation(long taddr, long size, int perm) {
    public static final int SIZE = 24;

    public boolean present() {
      return (perm & (R | W)) != 0 && !untranslatedOnly();
    }

    public boolean untranslatedOnly() {
      return (perm & PERM_U) != 0;
    }

    public byte[] encode() {
      return Payload.allocate(SIZE).putLong(taddr).putLong(size).putInt(perm).putInt(0).array();
    }

    /** Refuses a reply the server must not cache (§4.1): bad size, below the STU, unaligned, reserved perm. */
    public static Translation decode(byte[] p, long stuBytes) throws ProtocolException {
      Payload.exactly(p, SIZE, "ATS_TRANSLATE reply");
      ByteBuffer b = Payload.wrap(p);
      Translation t = new Translation(b.getLong(), b.getLong(), b.getInt());
      if (!powerOfTwo(t.size) || Long.compareUnsigned(t.size, Math.max(PAGE, stuBytes)) < 0) {
        throw ProtocolException.invalid("ATS_TRANSLATE reply: size 0x" + Long.toHexString(t.size));
      }
      if ((t.taddr & (t.size - 1)) != 0) {
        throw ProtocolException.invalid("ATS_TRANSLATE reply: taddr not aligned to size");
      }
      if ((t.perm & ~(R | W | X | P | PERM_U | PERM_G)) != 0) {
        throw ProtocolException.invalid("ATS_TRANSLATE reply: reserved perm bits");
      }
      return t;
    }
  }

  /** ATS_INVALIDATE request (24 bytes). */
  public record AtsInvalidate(long addr, long size, int flags, int pasid) {
    public static final int SIZE = 24;

    public boolean wholeSpace() {
      return size == WHOLE_SPACE;
    }

    public boolean pasidValid() {
      return (flags & PASID_VALID) != 0;
    }

    public boolean global() {
      return (flags & GLOBAL) != 0;
    }

    /** Last address of the range (unsigned). */
    public long last() {
      return wholeSpace() ? -1L : addr + size - 1;
    }

    public byte[] encode() {
      return Payload.allocate(SIZE).putLong(addr).putLong(size).putInt(flags).putInt(pasid).array();
    }

    public static AtsInvalidate decode(byte[] p, int pasidWidth) throws ProtocolException {
      Payload.exactly(p, SIZE, "ATS_INVALIDATE");
      ByteBuffer b = Payload.wrap(p);
      AtsInvalidate i = new AtsInvalidate(b.getLong(), b.getLong(), b.getInt(), b.getInt());
      checkFlags("ATS_INVALIDATE", i.flags, PASID_VALID | GLOBAL, i.pasid, pasidWidth);
      if (i.global() && !i.pasidValid()) {
        throw ProtocolException.invalid("ATS_INVALIDATE: GLOBAL without PASID_VALID");
      }
      if (i.wholeSpace()) {
        if (i.addr != 0) {
          throw ProtocolException.invalid("ATS_INVALIDATE: whole space needs addr 0");
        }
      } else if (!powerOfTwo(i.size) || Long.compareUnsigned(i.size, PAGE) < 0 || (i.addr & (i.size - 1)) != 0) {
        throw ProtocolException.invalid("ATS_INVALIDATE: 0x%x+0x%x is not a naturally aligned power of two ≥ 4096"
            .formatted(i.addr, i.size));
      }
      return i;
    }
  }

  /**
   * DMA_READ_EX/DMA_WRITE_EX: the 24-byte header and the data (write request, read reply).
   */
  public record DmaEx(long addr, long count, int flags, int pasid, byte[] data) {
    public static final int HEADER = 24;
    public static final int ALLOWED = X | P | PASID_VALID | TRANSLATED;

    public byte[] encode() {
      return Payload.allocate(HEADER + data.length).putLong(addr).putLong(count).putInt(flags).putInt(pasid)
          .put(data).array();
    }

    /** The same header without data (read request, write reply). */
    public DmaEx header() {
      return new DmaEx(addr, count, flags, pasid, new byte[0]);
    }

    /** Decodes a message that must carry {@code dataBytes} data bytes after the header. */
    public static DmaEx decode(byte[] p, long dataBytes, int pasidWidth, String what) throws ProtocolException {
      Payload.exactly(p, HEADER + dataBytes, what);
      ByteBuffer b = Payload.wrap(p);
      long addr = b.getLong();
      long count = b.getLong();
      int flags = b.getInt();
      int pasid = b.getInt();
      checkFlags(what, flags, ALLOWED, pasid, pasidWidth);
      if (count == 0 || Long.compareUnsigned(addr + count - 1, addr) < 0) {
        throw ProtocolException.invalid(what + ": empty or wrapping range");
      }
      byte[] data = new byte[(int) dataBytes];
      b.get(data);
      return new DmaEx(addr, count, flags, pasid, data);
    }

    /** The count field of a request, before its data size is known; -1 if too short. */
    public static long peekCount(byte[] p) {
      return p.length < HEADER ? -1 : Payload.wrap(p).getLong(8);
    }
  }

  /** PRI_PAGE_REQUEST (32 bytes). */
  public record PageRequest(long addr, long count, int flags, int pasid, int prgi) {
    public static final int SIZE = 32;
    public static final int MAX_PRGI = 511;

    public boolean stopMarker() {
      return (flags & (R | W | X | P)) == 0;
    }

    public boolean last() {
      return (flags & LAST) != 0;
    }

    public byte[] encode() {
      return Payload.allocate(SIZE).putLong(addr).putLong(count).putInt(flags).putInt(pasid)
          .putShort((short) prgi).array();
    }

    public static PageRequest decode(byte[] p, int pasidWidth) throws ProtocolException {
      Payload.exactly(p, SIZE, "PRI_PAGE_REQUEST");
      ByteBuffer b = Payload.wrap(p);
      PageRequest r = new PageRequest(b.getLong(), b.getLong(), b.getInt(), b.getInt(), b.getShort() & 0xffff);
      checkFlags("PRI_PAGE_REQUEST", r.flags, R | W | X | P | PASID_VALID | LAST, r.pasid, pasidWidth);
      if (r.stopMarker()) {
        if ((r.flags & (LAST | PASID_VALID)) != (LAST | PASID_VALID) || r.addr != 0 || r.count != 0 || r.prgi != 0) {
          throw ProtocolException.invalid("PRI_PAGE_REQUEST: malformed stop marker");
        }
        return r;
      }
      if (r.prgi > MAX_PRGI || (r.addr & (PAGE - 1)) != 0 || r.count <= 0 || (r.count & (PAGE - 1)) != 0
          || Long.compareUnsigned(r.addr + r.count - 1, r.addr) < 0) {
        throw ProtocolException.invalid("PRI_PAGE_REQUEST: bad addr/count/prgi");
      }
      return r;
    }
  }

  /** PRI_PAGE_RESPONSE (16 bytes). */
  public record PageResponse(int flags, int pasid, int prgi, int code) {
    public static final int SIZE = 16;
    public static final int SUCCESS = 0, INVALID_REQUEST = 1, RESPONSE_FAILURE = 15;

    public boolean pasidValid() {
      return (flags & PASID_VALID) != 0;
    }

    public byte[] encode() {
      return Payload.allocate(SIZE).putInt(flags).putInt(pasid).putShort((short) prgi).putShort((short) 0)
          .putInt(code).array();
    }

    public static PageResponse decode(byte[] p, int pasidWidth) throws ProtocolException {
      Payload.exactly(p, SIZE, "PRI_PAGE_RESPONSE");
      ByteBuffer b = Payload.wrap(p);
      int flags = b.getInt();
      int pasid = b.getInt();
      int prgi = b.getShort() & 0xffff;
      b.getShort();
      long code = Payload.u32(b);
      checkFlags("PRI_PAGE_RESPONSE", flags, PASID_VALID, pasid, pasidWidth);
      if (code > 15) {
        throw ProtocolException.invalid("PRI_PAGE_RESPONSE: code " + code + " > 15");
      }
      if (prgi > PageRequest.MAX_PRGI) {
        throw ProtocolException.invalid("PRI_PAGE_RESPONSE: prgi " + prgi + " > 511");
      }
      return new PageResponse(flags, pasid, prgi, (int) code);
    }
  }
}

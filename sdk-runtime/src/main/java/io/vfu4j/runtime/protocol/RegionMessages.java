package io.vfu4j.runtime.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** REGION_READ (9), REGION_WRITE (10) and REGION_WRITE_MULTI (15). */
public final class RegionMessages {
  private RegionMessages() {}

  /** Region access header plus data (write request, read reply) or none. */
  public record RegionAccess(long offset, int region, long count, byte[] data) {
    public static final int SIZE = 16;

    public byte[] encode() {
      return Payload.allocate(SIZE + data.length).putLong(offset).putInt(region).putInt((int) count).put(data).array();
    }

    /** A read request: header only; {@code count} bounded by {@code maxCount}. */
    public static RegionAccess decodeRead(byte[] p, long maxCount) throws ProtocolException {
      Payload.exactly(p, SIZE, "REGION_READ");
      return decode(p, maxCount, false);
    }

    /** A write request: header and exactly {@code count} data bytes. */
    public static RegionAccess decodeWrite(byte[] p, long maxCount) throws ProtocolException {
      Payload.atLeast(p, SIZE, "REGION_WRITE");
      return decode(p, maxCount, true);
    }

    /** A read reply (host side): header and {@code count} bytes. */
    public static RegionAccess decodeReply(byte[] p) throws ProtocolException {
      Payload.atLeast(p, SIZE, "REGION_READ reply");
      return decode(p, Long.MAX_VALUE, true);
    }

    private static RegionAccess decode(byte[] p, long maxCount, boolean withData) throws ProtocolException {
      ByteBuffer b = Payload.wrap(p);
      long offset = b.getLong();
      int region = b.getInt();
      long count = Payload.u32(b);
      if (count > maxCount) {
        throw ProtocolException.invalid("region access: count " + count + " exceeds max_data_xfer_size " + maxCount);
      }
      if (offset < 0) {
        throw ProtocolException.invalid("region access: offset 0x" + Long.toUnsignedString(offset, 16) + " too large");
      }
      byte[] data = new byte[0];
      if (withData) {
        Payload.exactly(p, SIZE + count, "region write");
        data = new byte[(int) count];
        b.get(data);
      }
      return new RegionAccess(offset, region, count, data);
    }
  }

  /** One entry of REGION_WRITE_MULTI: up to 8 data bytes. */
  public record WriteEntry(long offset, int region, int count, long data) {}

  /** REGION_WRITE_MULTI request; the reply carries the number of writes done. */
  public record WriteMulti(List<WriteEntry> writes) {
    public static final int ENTRY_SIZE = 24;

    public WriteMulti {
      writes = List.copyOf(writes);
    }

    public byte[] encode() {
      ByteBuffer b = Payload.allocate(8 + ENTRY_SIZE * writes.size()).putLong(writes.size());
      for (WriteEntry w : writes) {
        b.putLong(w.offset()).putInt(w.region()).putInt(w.count()).putLong(w.data());
      }
      return b.array();
    }

    public static WriteMulti decode(byte[] p) throws ProtocolException {
      Payload.atLeast(p, 8, "REGION_WRITE_MULTI");
      ByteBuffer b = Payload.wrap(p);
      long n = b.getLong();
      if (n < 0 || n > (p.length - 8) / ENTRY_SIZE || 8 + n * ENTRY_SIZE != p.length) {
        throw ProtocolException.invalid("REGION_WRITE_MULTI: wr_cnt " + Long.toUnsignedString(n)
            + " does not match a payload of " + p.length + " bytes");
      }
      List<WriteEntry> writes = new ArrayList<>((int) n);
      for (int i = 0; i < n; i++) {
        WriteEntry w = new WriteEntry(b.getLong(), b.getInt(), b.getInt(), b.getLong());
        if (w.count() < 1 || w.count() > 8 || w.offset() < 0) {
          throw ProtocolException.invalid("REGION_WRITE_MULTI: entry " + i + " has count " + w.count());
        }
        writes.add(w);
      }
      return new WriteMulti(writes);
    }

    public static byte[] encodeReply(long done) {
      return Payload.allocate(8).putLong(done).array();
    }
  }
}

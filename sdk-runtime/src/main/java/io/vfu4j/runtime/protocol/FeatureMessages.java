package io.vfu4j.runtime.protocol;

import java.nio.ByteBuffer;

/** DEVICE_FEATURE (16), MIG_DATA_READ (17) and MIG_DATA_WRITE (18). */
public final class FeatureMessages {
  private FeatureMessages() {}

  /** Feature indices. */
  public static final int MIGRATION = 1, MIG_DEVICE_STATE = 2, DMA_LOGGING_START = 6, DMA_LOGGING_STOP = 7,
      DMA_LOGGING_REPORT = 8;
  public static final int MASK = 0xffff, GET = 1 << 16, SET = 1 << 17, PROBE = 1 << 18;
  /** VFIO_MIGRATION_STOP_COPY: the only migration flag offered (no P2P, no PRE_COPY). */
  public static final long MIGRATION_STOP_COPY = 1;

  /** DEVICE_FEATURE request or reply: {@code argsz}, {@code flags}, feature data. */
  public record DeviceFeature(long argsz, int flags, byte[] data) {
    public static final int SIZE = 8;

    public int feature() {
      return flags & MASK;
    }

    public boolean get() {
      return (flags & GET) != 0;
    }

    public boolean set() {
      return (flags & SET) != 0;
    }

    public boolean probe() {
      return (flags & PROBE) != 0;
    }

    public byte[] encode() {
      return Payload.allocate(SIZE + data.length).putInt((int) argsz).putInt(flags).put(data).array();
    }

    public static DeviceFeature decode(byte[] p) throws ProtocolException {
      Payload.atLeast(p, SIZE, "DEVICE_FEATURE");
      ByteBuffer b = Payload.wrap(p);
      long argsz = Payload.u32(b);
      int flags = b.getInt();
      Payload.argszAtLeast(argsz, SIZE, "DEVICE_FEATURE");
      if ((flags & ~(MASK | GET | SET | PROBE)) != 0) {
        throw ProtocolException.invalid("DEVICE_FEATURE: unknown flags 0x" + Integer.toHexString(flags));
      }
      if ((flags & GET) != 0 && (flags & SET) != 0 && (flags & PROBE) == 0) {
        throw ProtocolException.invalid("DEVICE_FEATURE: GET and SET together without PROBE");
      }
      if ((flags & (GET | SET | PROBE)) == 0) {
        throw ProtocolException.invalid("DEVICE_FEATURE: none of GET, SET, PROBE");
      }
      byte[] data = new byte[p.length - SIZE];
      b.get(data);
      return new DeviceFeature(argsz, flags, data);
    }
  }

  /** MIG_DATA_READ request ({@code data} empty) and reply, MIG_DATA_WRITE request. */
  public record MigData(long argsz, long size, byte[] data) {
    public static final int SIZE = 8;

    public byte[] encode() {
      return Payload.allocate(SIZE + data.length).putInt((int) argsz).putInt((int) size).put(data).array();
    }

    public static MigData decodeRead(byte[] p, long maxSize) throws ProtocolException {
      Payload.exactly(p, SIZE, "MIG_DATA_READ");
      MigData m = decode(p, maxSize);
      Payload.argszAtLeast(m.argsz, SIZE + m.size, "MIG_DATA_READ");
      return m;
    }

    public static MigData decodeWrite(byte[] p, long maxSize) throws ProtocolException {
      Payload.atLeast(p, SIZE, "MIG_DATA_WRITE");
      MigData m = decode(p, maxSize);
      Payload.exactly(p, SIZE + m.size, "MIG_DATA_WRITE");
      Payload.argszAtLeast(m.argsz, SIZE + m.size, "MIG_DATA_WRITE");
      byte[] data = new byte[(int) m.size];
      System.arraycopy(p, SIZE, data, 0, data.length);
      return new MigData(m.argsz, m.size, data);
    }

    /** A reply (host side). */
    public static MigData decodeReply(byte[] p) throws ProtocolException {
      Payload.atLeast(p, SIZE, "MIG_DATA_READ reply");
      MigData m = decode(p, Long.MAX_VALUE);
      Payload.exactly(p, SIZE + m.size, "MIG_DATA_READ reply");
      byte[] data = new byte[(int) m.size];
      System.arraycopy(p, SIZE, data, 0, data.length);
      return new MigData(m.argsz, m.size, data);
    }

    private static MigData decode(byte[] p, long maxSize) throws ProtocolException {
      ByteBuffer b = Payload.wrap(p);
      long argsz = Payload.u32(b);
      long size = Payload.u32(b);
      if (size > maxSize) {
        throw ProtocolException.invalid("migration data: size " + size + " exceeds max_data_xfer_size " + maxSize);
      }
      return new MigData(argsz, size, new byte[0]);
    }
  }
}

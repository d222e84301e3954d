package io.vfu4j.runtime.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Little-endian payload buffers and the length checks every decoder starts with. */
public final class Payload {
  private Payload() {}

  /** A little-endian view of {@code bytes}. */
  public static ByteBuffer wrap(byte[] bytes) {
    return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A fresh little-endian buffer of {@code size} bytes. */
  public static ByteBuffer allocate(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Refuses a payload shorter than {@code min} bytes. */
  public static void atLeast(byte[] payload, int min, String what) throws ProtocolException {
    if (payload.length < min) {
      throw ProtocolException.invalid(what + ": payload of " + payload.length + " bytes, need at least " + min);
    }
  }

  /** Refuses a payload that is not exactly {@code size} bytes. */
  public static void exactly(byte[] payload, long size, String what) throws ProtocolException {
    if (payload.length != size) {
      throw ProtocolException.invalid(what + ": payload of " + payload.length + " bytes, expected " + size);
    }
  }

  /** Refuses an argsz below {@code min}: the sender cannot take the fixed part of the reply. */
  public static void argszAtLeast(long argsz, long min, String what) throws ProtocolException {
    if (argsz < min) {
      throw ProtocolException.invalid(what + ": argsz " + argsz + " is below " + min);
    }
  }

  /** An unsigned 32-bit field. */
  public static long u32(ByteBuffer b) {
    return Integer.toUnsignedLong(b.getInt());
  }
}

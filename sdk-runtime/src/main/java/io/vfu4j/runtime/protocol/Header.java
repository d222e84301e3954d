package io.vfu4j.runtime.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 16-byte header in front of every message (spec §2).
 *
 * @param msgId chosen by the sender of a command, echoed in the reply (16 bits)
 * @param command command number (16 bits)
 * @param size total message size, header included
 * @param flags type (bits 0–3), No_reply (bit 4), Error (bit 5)
 * @param error errno of an error reply, else 0
 */
public record Header(int msgId, int command, int size, int flags, int error) {
  public static final int SIZE = 16;
  public static final int TYPE_MASK = 0x0f, TYPE_COMMAND = 0, TYPE_REPLY = 1;
  public static final int NO_REPLY = 0x10, ERROR = 0x20;
  /** Bits 6–31 are reserved. */
  public static final int RESERVED = ~0x3f;

  public boolean isReply() {
    return (flags & TYPE_MASK) == TYPE_REPLY;
  }

  public boolean isCommand() {
    return (flags & TYPE_MASK) == TYPE_COMMAND;
  }

  public boolean noReply() {
    return (flags & NO_REPLY) != 0;
  }

  public boolean isError() {
    return (flags & ERROR) != 0;
  }

  /** Payload size, never negative for a header that passed {@link #decode}. */
  public long payloadSize() {
    return Integer.toUnsignedLong(size) - SIZE;
  }

  /** A command header for a payload of {@code payloadSize} bytes. */
  public static Header command(int msgId, Command command, int payloadSize, boolean noReply) {
    return new Header(msgId, command.code(), SIZE + payloadSize, TYPE_COMMAND | (noReply ? NO_REPLY : 0), 0);
  }

  /** The success reply to this command, for a payload of {@code payloadSize} bytes. */
  public Header reply(int payloadSize) {
    return new Header(msgId, command, SIZE + payloadSize, TYPE_REPLY, 0);
  }

  /** The error reply to this command: header only. */
  public Header errorReply(int errno) {
    return new Header(msgId, command, SIZE, TYPE_REPLY | ERROR, errno);
  }

  /** Encodes into 16 little-endian bytes. */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putShort((short) msgId).putShort((short) command).putInt(size).putInt(flags).putInt(error);
    return b.array();
  }

  /**
   * Decodes 16 bytes. Only what makes the stream untrustworthy is checked here (a size below
   * the header, a type other than command or reply); the caller closes the connection then.
   */
  public static Header decode(byte[] bytes) throws FramingException {
    ByteBuffer b = ByteBuffer.wrap(bytes, 0, SIZE).order(ByteOrder.LITTLE_ENDIAN);
    Header h = new Header(b.getShort() & 0xffff, b.getShort() & 0xffff, b.getInt(), b.getInt(), b.getInt());
    if (Integer.toUnsignedLong(h.size) < SIZE) {
      throw new FramingException("message size " + Integer.toUnsignedString(h.size) + " is below the header size");
    }
    int type = h.flags & TYPE_MASK;
    if (type != TYPE_COMMAND && type != TYPE_REPLY) {
      throw new FramingException("unknown message type " + type);
    }
    return h;
  }
}

package io.vfu4j.runtime.transport;

import io.vfu4j.runtime.protocol.Header;
import java.io.FileDescriptor;

/**
 * One received message. The receiver owns {@code fds} and must hand each on or close it.
 *
 * @param header the header as received
 * @param payload the payload; empty when {@code oversized}
 * @param fds file descriptors that came with the message (SCM_RIGHTS)
 * @param oversized the header announced more than the receive limit: the payload was not read
 *     (it may never come), so the stream cannot go on; the receiver answers and closes
 */
public record Message(Header header, byte[] payload, FileDescriptor[] fds, boolean oversized) {
  private static final FileDescriptor[] NONE = new FileDescriptor[0];

  public Message {
    fds = fds == null ? NONE : fds;
  }

  /** Closes every fd of this message (for messages that must not carry any). */
  public void closeFds() {
    Fds.close(fds);
  }
}

package io.vfu4j.runtime.transport;

import io.vfu4j.runtime.protocol.Header;
import java.io.FileDescriptor;

/**
 * One received message. The receiver owns {@code fds} and must hand each on or close it.
 *
 * @param header the header as received
 * @param payload the payload; empty when {@code discarded}
 * @param fds file descriptors that came with the message (SCM_RIGHTS)
 * @param discarded the payload exceeded the receive limit and was skipped without being stored
 */
public record Message(Header header, byte[] payload, FileDescriptor[] fds, boolean discarded) {
  private static final FileDescriptor[] NONE = new FileDescriptor[0];

  public Message {
    fds = fds == null ? NONE : fds;
  }

  /** Closes every fd of this message (for messages that must not carry any). */
  public void closeFds() {
    Fds.close(fds);
  }
}

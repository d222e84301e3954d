package io.vfu4j.host;

import java.io.IOException;

/** The server answered a command with an error reply. */
public final class VfioUserException extends IOException {
  private static final long serialVersionUID = 1L;
  private final int errno;

  public VfioUserException(String command, int errno) {
    super(command + " failed with errno " + errno);
    this.errno = errno;
  }

  /** The errno of the error reply. */
  public int errno() {
    return errno;
  }
}

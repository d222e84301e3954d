package io.vfu4j.runtime.protocol;

/**
 * A request the server refuses: it becomes an error reply carrying {@link #errno()}. The message
 * says what was wrong, for the log.
 */
public final class ProtocolException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int errno;

  public ProtocolException(int errno, String message) {
    super(message);
    this.errno = errno;
  }

  /** Positive Linux errno for the error reply. */
  public int errno() {
    return errno;
  }

  /** Shorthand for an {@link Errno#EINVAL} refusal. */
  public static ProtocolException invalid(String message) {
    return new ProtocolException(Errno.EINVAL, message);
  }
}

package io.vfu4j.runtime.cli;

/**
 * A reason the device cannot start that the user can fix (a bad path, a busy resource). The CLI
 * prints its message as one line on stderr, without a stack trace, and exits non-zero. Device
 * extensions throw it from {@link DeviceExtension#started}.
 */
public final class StartupFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** {@code message} is the whole line the user sees after the device name. */
  public StartupFailure(String message) {
    super(message, null, false, false);
  }
}

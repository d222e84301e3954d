package io.vfu4j.runtime.cli;

/** A reason the device cannot start that the user can fix; printed as one line, no stack trace. */
final class StartupFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  StartupFailure(String message) {
    super(message, null, false, false);
  }
}

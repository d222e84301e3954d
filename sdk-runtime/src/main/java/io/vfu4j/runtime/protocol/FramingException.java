package io.vfu4j.runtime.protocol;

import java.io.IOException;

/** The byte stream can no longer be trusted (bad header, peer closed mid-message): the connection ends. */
public final class FramingException extends IOException {
  private static final long serialVersionUID = 1L;

  public FramingException(String message) {
    super(message);
  }
}

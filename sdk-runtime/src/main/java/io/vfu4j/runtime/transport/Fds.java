package io.vfu4j.runtime.transport;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;

/** Small helpers for received file descriptors. */
public final class Fds {
  private Fds() {}

  /** Closes every fd, ignoring the ones already closed. */
  public static void close(FileDescriptor... fds) {
    if (fds == null) {
      return;
    }
    for (FileDescriptor fd : fds) {
      if (fd != null && fd.valid()) {
        try (FileInputStream ignored = new FileInputStream(fd)) {
          // closing the stream closes the descriptor
        } catch (IOException e) {
          // already gone
        }
      }
    }
  }
}

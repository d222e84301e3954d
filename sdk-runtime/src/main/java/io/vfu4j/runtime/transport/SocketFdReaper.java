package io.vfu4j.runtime.transport;

import io.vfu4j.runtime.sys.FdInfo;
import io.vfu4j.runtime.sys.Native;
import java.io.FileDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Closes socket fds that junixsocket 2.11.1 may leave open: a socket made by
 * {@code FileDescriptorCast} does not always close its fd. Each fd is remembered with its socket inode, and closed later only if
 * the number still names that same socket, so a number the kernel has already reused for
 * something else is never touched.
 */
public final class SocketFdReaper {
  private record Tracked(int fd, String identity) {}

  private final List<Tracked> tracked = new ArrayList<>();

  /** Remembers {@code fd} (a socket) for {@link #reap()}. */
  public synchronized void track(FileDescriptor fd) {
    int number;
    try {
      number = Native.fdNumber(fd);
    } catch (java.io.IOException e) {
      return; // already closed
    }
    String identity = FdInfo.describe(number);
    if (identity != null && identity.startsWith("socket:")) {
      tracked.add(new Tracked(number, identity));
    }
  }

  /**
   * shutdown(2) on every tracked fd that still names its socket: a thread blocked reading one
   * wakes with end-of-stream (closing a cast socket does not wake it), and the number stays ours.
   */
  public synchronized void shutdown() {
    for (Tracked t : tracked) {
      if (Objects.equals(FdInfo.describe(t.fd()), t.identity())) {
        Native.shutdownQuietly(t.fd());
      }
    }
  }

  /**
   * Waits up to {@code patience} for {@code reader} (null: none) to leave its loop, then
   * {@link #reap() reaps}. If it is still reading, nothing is closed: leaking the fds beats closing
   * a number in use.
   */
  public void reapAfter(Thread reader, java.time.Duration patience) {
    if (reader != null) {
      try {
        reader.join(patience);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (reader.isAlive()) {
        return;
      }
    }
    reap();
  }

  /** Closes every tracked fd that still names its socket. Call once nothing reads them any more. */
  public synchronized void reap() {
    for (Tracked t : tracked) {
      if (Objects.equals(FdInfo.describe(t.fd()), t.identity())) {
        Native.closeQuietly(t.fd());
      }
    }
    tracked.clear();
  }
}

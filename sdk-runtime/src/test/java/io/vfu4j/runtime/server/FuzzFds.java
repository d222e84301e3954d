package io.vfu4j.runtime.server;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.vfu4j.runtime.sys.EventFd;
import io.vfu4j.runtime.sys.Native;
import io.vfu4j.runtime.sys.SharedMemory;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random file descriptors for the fuzzer to attach to messages: eventfds, memfds (sized and
 * empty), both ends of a pipe, a socket (the client's own connection), a regular file. Our copies are closed by {@link #close()}
 * once the message went; the server owns what it received.
 */
@SuppressWarnings("restricted")
final class FuzzFds implements AutoCloseable {
  private static final MethodHandle PIPE = Linker.nativeLinker().downcallHandle(
      Linker.nativeLinker().defaultLookup().find("pipe").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS));

  private final Random r;
  private final List<AutoCloseable> ours = new ArrayList<>();

  private final FileDescriptor connection;

  /** {@code connection} is a socket fd to send as is (not closed here). */
  FuzzFds(Random r, FileDescriptor connection) {
    this.r = r;
    this.connection = connection;
  }

  /** {@code count} random fds. */
  FileDescriptor[] some(int count) throws IOException {
    FileDescriptor[] fds = new FileDescriptor[count];
    for (int i = 0; i < count; i++) {
      fds[i] = one();
    }
    return fds;
  }

  private FileDescriptor one() throws IOException {
    switch (r.nextInt(7)) {
      case 0, 1 -> {
        EventFd e = EventFd.create();
        ours.add(e);
        return e.fileDescriptor();
      }
      case 2 -> {
        SharedMemory m = SharedMemory.create("vfu4j-fuzz", 0x1000L << r.nextInt(3));
        ours.add(m);
        return m.fileDescriptor();
      }
      case 3 -> {
        int fd = Native.memfdCreate("vfu4j-fuzz-empty", Native.MFD_CLOEXEC);
        ours.add(() -> Native.closeQuietly(fd));
        return Native.fileDescriptor(fd);
      }
      case 4 -> {
        int[] ends = pipe();
        ours.add(() -> Native.closeQuietly(ends[0]));
        ours.add(() -> Native.closeQuietly(ends[1]));
        return Native.fileDescriptor(ends[r.nextInt(2)]);
      }
      case 5 -> {
        // a socket: the client's own connection (an AFUNIXSocketPair would leak, see docs/testing.md)
        return connection;
      }
      default -> {
        var in = new java.io.FileInputStream("/proc/self/status");
        ours.add(in);
        return in.getFD();
      }
    }
  }

  static int[] pipe() throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment ends = a.allocate(JAVA_INT, 2);
      int rc = (int) PIPE.invokeExact(ends);
      if (rc != 0) {
        throw new IOException("pipe failed");
      }
      return new int[] {ends.getAtIndex(JAVA_INT, 0), ends.getAtIndex(JAVA_INT, 1)};
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException(t);
    }
  }

  /** Closes our copies of everything handed out. */
  @Override
  public void close() {
    for (AutoCloseable c : ours) {
      try {
        c.close();
      } catch (Exception e) {
        // closing anyway
      }
    }
    ours.clear();
  }
}

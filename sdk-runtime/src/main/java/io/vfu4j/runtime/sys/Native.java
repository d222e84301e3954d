package io.vfu4j.runtime.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Map;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * The one place that calls into libc (FFM downcalls). Every call that fails throws an {@link
 * IOException} naming the errno. Calls that can block (reads, {@link #pollReadable}) must not run on
 * virtual threads: a blocking downcall pins the carrier thread.
 */
@SuppressWarnings("restricted")
public final class Native {
  /** memfd_create flag: close the fd on exec. */
  public static final int MFD_CLOEXEC = 0x1;
  /** memfd_create flag: allow seals. */
  public static final int MFD_ALLOW_SEALING = 0x2;
  /** eventfd flag: close on exec. */
  public static final int EFD_CLOEXEC = 0x80000;
  /** eventfd flag: non-blocking reads and writes. */
  public static final int EFD_NONBLOCK = 0x800;

  private static final int EINTR = 4;
  private static final int EBADF = 9;
  private static final int EAGAIN = 11;
  private static final int F_DUPFD_CLOEXEC = 1030;
  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int O_NONBLOCK = 0x800;
  private static final short POLLIN = 0x1;
  /** Offset of st_size in struct stat; 48 on both x86-64 and the generic (arm64) layout. */
  private static final long STAT_SIZE_OFFSET = 48;
  /** Bigger than struct stat on every 64-bit Linux ABI (144 on x86-64, 128 on arm64). */
  private static final long STAT_BUFFER_SIZE = 256;

  private static final Map<Integer, String> ERRNO_NAMES =
      Map.ofEntries(
          Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"), Map.entry(4, "EINTR"),
          Map.entry(5, "EIO"), Map.entry(9, "EBADF"), Map.entry(11, "EAGAIN"),
          Map.entry(12, "ENOMEM"), Map.entry(13, "EACCES"), Map.entry(14, "EFAULT"),
          Map.entry(16, "EBUSY"), Map.entry(22, "EINVAL"), Map.entry(23, "ENFILE"),
          Map.entry(24, "EMFILE"), Map.entry(27, "EFBIG"), Map.entry(28, "ENOSPC"),
          Map.entry(38, "ENOSYS"), Map.entry(95, "EOPNOTSUPP"));

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
  /** eventfd counters are host-endian; every supported host is little-endian. */
  private static final ValueLayout.OfLong COUNTER = JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

  private static final MethodHandle MEMFD_CREATE =
      downcall("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle EVENTFD =
      downcall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle FTRUNCATE =
      downcall("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
  private static final MethodHandle FSTAT =
      downcall("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle CLOSE =
      downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle FCNTL =
      downcall(
          "fcntl",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
          Linker.Option.firstVariadicArg(2));
  private static final MethodHandle READ =
      downcall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle WRITE =
      downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  private static final MethodHandle SHUTDOWN =
      downcall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle SOCKETPAIR =
      downcall("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle POLL =
      downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

  private Native() {}

  private static MethodHandle downcall(
      String name, FunctionDescriptor descriptor, Linker.Option... extra) {
    var options = new Linker.Option[extra.length + 1];
    options[0] = CAPTURE_ERRNO;
    System.arraycopy(extra, 0, options, 1, extra.length);
    MemorySegment symbol =
        LINKER
            .defaultLookup()
            .find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(symbol, descriptor, options);
  }

  /** The symbolic name of an errno value ("EINVAL"), or "errno N" for rare ones. */
  public static String errnoName(int errno) {
    return ERRNO_NAMES.getOrDefault(errno, "errno " + errno);
  }

  /** Result of one downcall: its return value and the errno it left. */
  private record Result(long value, int errno) {
    boolean failed() {
      return value < 0;
    }

    IOException error(String call) {
      return new IOException(call + " failed: " + errnoName(errno));
    }
  }

  /** One downcall whose first argument is the errno capture segment. */
  @FunctionalInterface
  private interface Downcall {
    long invoke(MemorySegment state) throws Throwable;
  }

  private static Result call(Arena arena, Downcall downcall) {
    MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
    try {
      long value = downcall.invoke(state);
      return new Result(value, (int) ERRNO.get(state, 0L));
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("downcall failed", t);
    }
  }

  /** Calls a downcall, repeating it while it fails with EINTR. */
  private static Result callRetrying(Arena arena, Downcall downcall) {
    Result result;
    do {
      result = call(arena, downcall);
    } while (result.failed() && result.errno() == EINTR);
    return result;
  }

  private static long check(String name, Result result) throws IOException {
    if (result.failed()) {
      throw result.error(name);
    }
    return result.value();
  }

  /** Creates an anonymous memory file (close-on-exec); returns its fd. */
  public static int memfdCreate(String name, int flags) throws IOException {
    try (var arena = Arena.ofConfined()) {
      MemorySegment cName = arena.allocateFrom(name);
      int allFlags = flags | MFD_CLOEXEC;
      return (int)
          check(
              "memfd_create",
              call(arena, s -> (int) MEMFD_CREATE.invokeExact(s, cName, allFlags)));
    }
  }

  /** Creates an eventfd with the given initial counter and flags; returns its fd. */
  public static int eventfd(int initialValue, int flags) throws IOException {
    try (var arena = Arena.ofConfined()) {
      return (int)
          check("eventfd", call(arena, s -> (int) EVENTFD.invokeExact(s, initialValue, flags)));
    }
  }

  /**
   * A connected pair of AF_UNIX stream sockets, both close-on-exec. The caller owns both fds.
   * (junixsocket's own pair leaves two extra sockets open per call in 2.11.1.)
   */
  public static int[] socketPair() throws IOException {
    final int afUnix = 1;
    final int sockStreamCloexec = 1 | 0x80000; // SOCK_STREAM | SOCK_CLOEXEC
    try (var arena = Arena.ofConfined()) {
      MemorySegment fds = arena.allocate(JAVA_INT, 2);
      check("socketpair", call(arena, s -> (int) SOCKETPAIR.invokeExact(s, afUnix, sockStreamCloexec, 0, fds)));
      return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
    }
  }

  /**
   * shutdown(fd, SHUT_RDWR): a thread blocked reading the socket wakes with end-of-stream, while
   * the fd number stays allocated (unlike close, so no other thread can be handed it meanwhile).
   * Errors (already shut down, not a socket) are ignored.
   */
  public static void shutdownQuietly(int fd) {
    final int shutRdwr = 2;
    try (var arena = Arena.ofConfined()) {
      call(arena, s -> (int) SHUTDOWN.invokeExact(s, fd, shutRdwr));
    }
  }

  /** Sets the length of the file behind {@code fd}. */
  public static void ftruncate(int fd, long length) throws IOException {
    try (var arena = Arena.ofConfined()) {
      check("ftruncate", callRetrying(arena, s -> (int) FTRUNCATE.invokeExact(s, fd, length)));
    }
  }

  /**
   * The size of the file behind {@code fd} (fstat). Unlike lseek it leaves the file position
   * alone, which matters for fds shared with another process.
   */
  public static long fileSize(int fd) throws IOException {
    try (var arena = Arena.ofConfined()) {
      MemorySegment stat = arena.allocate(STAT_BUFFER_SIZE, 8);
      check("fstat", call(arena, s -> (int) FSTAT.invokeExact(s, fd, stat)));
      return stat.get(JAVA_LONG, STAT_SIZE_OFFSET);
    }
  }

  /** Closes {@code fd}. EINTR is not retried: Linux releases the fd even then. */
  public static void close(int fd) throws IOException {
    try (var arena = Arena.ofConfined()) {
      Result result = call(arena, s -> (int) CLOSE.invokeExact(s, fd));
      if (result.failed() && result.errno() == EBADF) {
        BAD_CLOSES.incrementAndGet();
      }
      if (result.failed() && result.errno() != EINTR) {
        throw result.error("close");
      }
    }
  }

  private static final java.util.concurrent.atomic.AtomicLong BAD_CLOSES = new java.util.concurrent.atomic.AtomicLong();

  /**
   * How many {@link #close} calls found their number already closed (EBADF) in this JVM. Each is a
   * double close: harmless only when nobody reused the number in between, so tests expect none.
   */
  public static long badCloses() {
    return BAD_CLOSES.get();
  }

  /** Closes {@code fd}, ignoring errors; for cleanup paths. */
  public static void closeQuietly(int fd) {
    if (fd >= 0) {
      try {
        close(fd);
      } catch (IOException ignored) {
        // nothing left to do: the fd is gone or was never valid
      }
    }
  }

  private static int fcntl(String what, int fd, int command, int argument) throws IOException {
    try (var arena = Arena.ofConfined()) {
      return (int)
          check(what, call(arena, s -> (int) FCNTL.invokeExact(s, fd, command, argument)));
    }
  }

  /** Duplicates {@code fd} (the copy is close-on-exec). */
  public static int dup(int fd) throws IOException {
    return fcntl("dup", fd, F_DUPFD_CLOEXEC, 0);
  }

  /**
   * Puts the open file description of {@code fd} into non-blocking mode, so that a write to an
   * eventfd whose counter a client filled up fails with EAGAIN instead of blocking.
   */
  public static void setNonBlocking(int fd) throws IOException {
    int flags = fcntl("fcntl(F_GETFL)", fd, F_GETFL, 0);
    if ((flags & O_NONBLOCK) == 0) {
      fcntl("fcntl(F_SETFL)", fd, F_SETFL, flags | O_NONBLOCK);
    }
  }

  /**
   * Reads the 8-byte counter of an eventfd. Returns 0 when the fd is non-blocking and the
   * counter is zero (EAGAIN).
   */
  public static long readCounter(int fd) throws IOException {
    try (var arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(JAVA_LONG);
      Result result = callRetrying(arena, s -> (long) READ.invokeExact(s, fd, buffer, 8L));
      if (result.failed() && result.errno() == EAGAIN) {
        return 0;
      }
      if (check("read", result) != 8) {
        throw new IOException("short read from eventfd " + fd);
      }
      return buffer.get(COUNTER, 0);
    }
  }

  /**
   * Adds {@code value} to an eventfd counter. Returns false if the counter is full and the fd is
   * non-blocking (EAGAIN): the reader has not consumed the previous signals yet.
   */
  public static boolean writeCounter(int fd, long value) throws IOException {
    try (var arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(JAVA_LONG);
      buffer.set(COUNTER, 0, value);
      Result result = callRetrying(arena, s -> (long) WRITE.invokeExact(s, fd, buffer, 8L));
      if (result.failed() && result.errno() == EAGAIN) {
        return false;
      }
      if (check("write", result) != 8) {
        throw new IOException("short write to eventfd " + fd);
      }
      return true;
    }
  }

  /**
   * Waits until {@code fd} is readable or the timeout passes; true if readable. A zero timeout
   * only checks. Blocks the calling (platform) thread.
   */
  public static boolean pollReadable(int fd, Duration timeout) throws IOException {
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(0, timeout.toMillis()));
    try (var arena = Arena.ofConfined()) {
      MemorySegment pollfd = arena.allocate(8, 4);
      pollfd.set(JAVA_INT, 0, fd);
      pollfd.set(JAVA_SHORT, 4, POLLIN);
      Result result = callRetrying(arena, s -> (int) POLL.invokeExact(s, pollfd, 1L, millis));
      check("poll", result);
      return result.value() > 0 && (pollfd.get(JAVA_SHORT, 6) & POLLIN) != 0;
    }
  }

  /** The fd number behind a {@link FileDescriptor} (junixsocket's cast, no reflection). */
  public static int fdNumber(FileDescriptor descriptor) throws IOException {
    if (descriptor == null || !descriptor.valid()) {
      throw new IOException("invalid file descriptor");
    }
    return FileDescriptorCast.using(descriptor).as(Integer.class);
  }

  /** A {@link FileDescriptor} for the fd number {@code fd}; it does not own or dup the fd. */
  public static FileDescriptor fileDescriptor(int fd) throws IOException {
    return FileDescriptorCast.unsafeUsing(fd).getFileDescriptor();
  }

  /**
   * Sets the process's file-mode creation mask and returns the previous one (umask(2) cannot
   * fail). The mask is process-wide: keep the window short and restore it.
   */
  public static int umask(int mask) {
    try {
      return (int) Umask.UMASK.invokeExact(mask);
    } catch (Throwable e) {
      throw new IllegalStateException("umask", e);
    }
  }

  /** Linked on first use: umask is only needed when a server binds its socket. */
  private static final class Umask {
    static final MethodHandle UMASK = LINKER.downcallHandle(
        LINKER.defaultLookup().find("umask").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }
}

package io.vfu4j.runtime.sys;

import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An owned eventfd: either created here (non-blocking, close-on-exec) or adopted from a peer
 * (an interrupt eventfd received with SET_IRQS). Closing it closes the fd exactly once.
 *
 * <p>{@link #signal()} never blocks: adopted fds are switched to non-blocking mode, so a peer
 * that lets the counter fill up only loses signals. {@link #readCounter()} never blocks either.
 */
public final class EventFd implements AutoCloseable {
  private static final Duration VIRTUAL_POLL_INTERVAL = Duration.ofMillis(1);

  private final int fd;
  private final FileDescriptor descriptor;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EventFd(int fd) throws IOException {
    this.fd = fd;
    this.descriptor = Native.fileDescriptor(fd);
  }

  /** Creates a new eventfd with counter 0. */
  public static EventFd create() throws IOException {
    int fd = Native.eventfd(0, Native.EFD_CLOEXEC | Native.EFD_NONBLOCK);
    try {
      return new EventFd(fd);
    } catch (IOException | RuntimeException e) {
      Native.closeQuietly(fd);
      throw e;
    }
  }

  /**
   * Takes ownership of a received fd. It must be an eventfd; otherwise it is closed and an
   * {@link IOException} is thrown (a client must not make us write into a pipe or a file).
   */
  public static EventFd adopt(FileDescriptor received) throws IOException {
    return adopt(Native.fdNumber(received));
  }

  /** Takes ownership of fd number {@code fd}; see {@link #adopt(FileDescriptor)}. */
  public static EventFd adopt(int fd) throws IOException {
    try {
      if (!FdInfo.isEventFd(fd)) {
        throw new IOException("fd " + fd + " is not an eventfd: " + FdInfo.describe(fd));
      }
      Native.setNonBlocking(fd);
      return new EventFd(fd);
    } catch (IOException | RuntimeException e) {
      Native.closeQuietly(fd);
      throw e;
    }
  }

  /** The fd number. */
  public int fd() {
    return fd;
  }

  /** The fd as a {@link FileDescriptor}, e.g. to send it with junixsocket; still owned here. */
  public FileDescriptor fileDescriptor() {
    return descriptor;
  }

  /**
   * Adds 1 to the counter: raises the interrupt the peer waits for. Returns false if the fd is
   * closed or the counter is full.
   */
  public boolean signal() {
    if (closed.get()) {
      return false;
    }
    try {
      return Native.writeCounter(fd, 1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads and resets the counter without blocking; 0 if nothing was signalled. */
  public long readCounter() throws IOException {
    ensureOpen();
    // poll first: an adopted fd could be blocking, and a read must never hang the caller
    if (!Native.pollReadable(fd, Duration.ZERO)) {
      return 0;
    }
    return Native.readCounter(fd);
  }

  /**
   * Waits up to {@code timeout} for a signal, then reads and resets the counter; 0 on timeout.
   * On a platform thread it blocks in poll(2). On a virtual thread it checks without blocking and
   * sleeps between checks, because a blocking downcall would pin the carrier thread.
   */
  public long await(Duration timeout) throws IOException {
    ensureOpen();
    if (!Thread.currentThread().isVirtual()) {
      return Native.pollReadable(fd, timeout) ? Native.readCounter(fd) : 0;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long counter = readCounter();
      long left = deadline - System.nanoTime();
      if (counter != 0 || left <= 0) {
        return counter;
      }
      try {
        Thread.sleep(Duration.ofNanos(Math.min(left, VIRTUAL_POLL_INTERVAL.toNanos())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for eventfd " + fd);
      }
    }
  }

  private void ensureOpen() throws IOException {
    if (closed.get()) {
      throw new IOException("eventfd " + fd + " is closed");
    }
  }

  /** True once {@link #close()} ran. */
  public boolean isClosed() {
    return closed.get();
  }

  /** Closes the fd (once; later calls do nothing). */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      Native.closeQuietly(fd);
    }
  }

  @Override
  public String toString() {
    return "EventFd[" + fd + (closed.get() ? ", closed]" : "]");
  }
}

package io.vfu4j.runtime.irq;

import io.vfu4j.runtime.sys.EventFd;
import io.vfu4j.runtime.sys.Native;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Watches the INTx resample eventfd that a client with KVM irqfd registers (UNMASK|DATA_EVENTFD).
 * KVM signals it when the guest ends the interrupt, and no message follows: without a watcher an
 * automasked INTx would stay masked until the next region access, and an interrupt the device
 * raises meanwhile (an input change, a timer) would be lost.
 *
 * <p>The watcher thread polls its own duplicate of the fd, so the device thread may close or
 * replace the original at any time without the poll ever touching a reused fd number. On a
 * signal it hands {@code onResample} to the device executor.
 */
public final class IntxResampleWatcher implements AutoCloseable {
  private static final int NO_CHANGE = -2;
  private static final int NONE = -1;
  private static final Duration SLICE = Duration.ofMillis(50);

  private final Executor deviceExecutor;
  private final Runnable onResample;
  private final AtomicInteger handOver = new AtomicInteger(NO_CHANGE);
  private final Thread thread;
  private volatile boolean closed;

  public IntxResampleWatcher(String name, Executor deviceExecutor, Runnable onResample) {
    this.deviceExecutor = deviceExecutor;
    this.onResample = onResample;
    // A platform thread: poll(2) blocks its carrier.
    this.thread = Thread.ofPlatform().daemon().name("vfu4j-intx-resample-" + name).start(this::run);
  }

  /** Starts watching {@code fd} (null: stop watching). Called on the device thread. */
  public void watch(EventFd fd) {
    int dup = NONE;
    if (fd != null) {
      try {
        dup = Native.dup(fd.fd());
      } catch (IOException e) {
        dup = NONE; // nothing to watch; region accesses still poll the original
      }
    }
    int previous = handOver.getAndSet(dup);
    if (previous >= 0) {
      Native.closeQuietly(previous); // never adopted by the thread
    }
    java.util.concurrent.locks.LockSupport.unpark(thread);
  }

  private void run() {
    int mine = NONE;
    try {
      while (!closed) {
        int next = handOver.getAndSet(NO_CHANGE);
        if (next != NO_CHANGE) {
          if (mine >= 0) {
            Native.closeQuietly(mine);
          }
          mine = next;
        }
        if (mine < 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(SLICE.toNanos());
          continue;
        }
        try {
          if (Native.pollReadable(mine, SLICE) && Native.readCounter(mine) != 0) {
            deviceExecutor.execute(onResample);
          }
        } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
          Native.closeQuietly(mine);
          mine = NONE;
        }
      }
    } finally {
      if (mine >= 0) {
        Native.closeQuietly(mine);
      }
      int left = handOver.getAndSet(NO_CHANGE);
      if (left >= 0) {
        Native.closeQuietly(left);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    java.util.concurrent.locks.LockSupport.unpark(thread);
  }
}

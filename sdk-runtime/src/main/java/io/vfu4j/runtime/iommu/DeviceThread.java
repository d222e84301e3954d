package io.vfu4j.runtime.iommu;

import io.vfu4j.api.DmaException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** The device thread as the IOMMU layer uses it: where its state lives and where results complete. */
final class DeviceThread {
  private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(10);

  private final Executor executor;
  private final Predicate<Thread> isDeviceThread;

  DeviceThread(Executor executor, Predicate<Thread> isDeviceThread) {
    this.executor = executor;
    this.isDeviceThread = isDeviceThread;
  }

  boolean isCurrent() {
    return isDeviceThread.test(Thread.currentThread());
  }

  /** Runs {@code r} on the device thread; here if the device is shutting down, rather than never. */
  void run(Runnable r) {
    try {
      executor.execute(r);
    } catch (RejectedExecutionException e) {
      r.run();
    }
  }

  /** Starts work on the device thread (now, if already there); the result completes there. */
  <T> CompletableFuture<T> start(Supplier<CompletableFuture<T>> work) {
    if (isCurrent()) {
      return guard(work);
    }
    var result = new CompletableFuture<T>();
    run(() -> guard(work).whenComplete((v, e) -> {
      if (e != null) {
        result.completeExceptionally(unwrap(e));
      } else {
        result.complete(v);
      }
    }));
    return result;
  }

  private static <T> CompletableFuture<T> guard(Supplier<CompletableFuture<T>> work) {
    try {
      return work.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** {@code sent}'s outcome, completed on the device thread, failures as {@link DmaException}. */
  CompletableFuture<Void> completeThere(CompletableFuture<Void> sent, long address) {
    var result = new CompletableFuture<Void>();
    sent.whenComplete((v, e) -> run(() -> {
      if (e != null) {
        result.completeExceptionally(asDma(address, unwrap(e)));
      } else {
        result.complete(null);
      }
    }));
    return result;
  }

  static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  static DmaException asDma(long address, Throwable e) {
    return e instanceof DmaException d ? d : new DmaException(address, "DMA failed: " + e.getMessage(), e);
  }

  /** Waits (off the device thread) for an access. */
  static void await(long address, CompletableFuture<Void> f) throws DmaException {
    try {
      f.get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DmaException(address, "interrupted", e);
    } catch (TimeoutException e) {
      throw new DmaException(address, "no answer within " + SYNC_TIMEOUT, e);
    } catch (ExecutionException e) {
      throw asDma(address, unwrap(e));
    }
  }
}

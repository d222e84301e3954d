package io.vfu4j.api;

import java.time.Duration;

/**
 * What the runtime offers a device: interrupts, DMA, timers and logging. The device receives it
 * in its constructor. All device callbacks (register hooks, timers, reset) run on one thread per
 * device, in order, so device code needs no locks.
 */
public interface DeviceContext {
  /** Raises and lowers interrupts. */
  Interrupts interrupts();

  /** Reads and writes guest memory. */
  Dma dma();

  /**
   * Runs {@code task} on the device thread after {@code delay}. Use it for work that real
   * hardware does some time after a register write (a DMA, a computation).
   *
   * @return a handle that cancels the task if it has not started
   */
  Cancellable schedule(Duration delay, Runnable task);

  /** Runs {@code task} on the device thread as soon as possible, after the work already queued. */
  void execute(Runnable task);

  /**
   * The ATS/PRI/PASID state the guest enabled, with change notification. The default (for
   * contexts that predate it, such as test fakes) reports everything disabled.
   */
  default Iommu iommu() {
    return Iommu.DISABLED;
  }

  /** A logger named after the device. */
  System.Logger log();

  /** A scheduled task that can be cancelled. */
  interface Cancellable {
    /** Cancels the task; returns false if it already ran or was cancelled. */
    boolean cancel();
  }
}

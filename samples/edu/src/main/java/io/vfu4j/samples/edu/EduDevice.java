package io.vfu4j.samples.edu;

import io.vfu4j.api.Access;
import io.vfu4j.api.Bar;
import io.vfu4j.api.DeviceContext;
import io.vfu4j.api.DmaException;
import io.vfu4j.api.Field;
import io.vfu4j.api.InterruptPin;
import io.vfu4j.api.NarrowAccess;
import io.vfu4j.api.OnReset;
import io.vfu4j.api.OnWrite;
import io.vfu4j.api.PciDevice;
import io.vfu4j.api.Register;
import io.vfu4j.api.capability.Msi;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * QEMU's educational PCI device ("edu", QEMU's docs/specs/edu.rst), register for register, so a
 * guest driver written for QEMU's edu works unchanged.
 *
 * <p>BAR0 (1 MiB): identification, liveness check, factorial unit, interrupt status/raise/
 * acknowledge, and a DMA engine that copies between guest memory and a 4 KiB buffer that sits at
 * device address 0x40000 (only the DMA engine sees it). Interrupts are INTx (a level while the
 * interrupt status is non-zero) or one MSI per raise when the guest enabled MSI.
 *
 * <p>Below 0x80 only 4-byte accesses work; from 0x80 the DMA registers take 4- and 8-byte
 * accesses, and a 4-byte access acts on the whole register at its own offset only
 * ({@link NarrowAccess#WHOLE_REGISTER}): it writes the zero-extended value, reads the low half,
 * and does not decode at 0x84, 0x8c, ...
 *
 * <p>The subsystem IDs are QEMU's own (1af4:1100), which QEMU gives every device it emulates,
 * its edu included: the guest tests compare this device with QEMU's edu field by field.
 */
@PciDevice(vendorId = 0x1234, deviceId = 0x11e8, subsystemVendorId = 0x1af4, subsystemId = 0x1100,
    classCode = 0x00ff00, revision = 0x10,
    interruptPin = InterruptPin.INTA, name = "edu")
@Msi(vectors = 1, address64 = true, perVectorMask = false)
@Bar(index = 0, size = 1 << 20)
public final class EduDevice {
  /** Interrupt status bit of a finished factorial. */
  static final int FACTORIAL_IRQ = 0x001;
  /** Interrupt status bit of a finished DMA transfer. */
  static final int DMA_IRQ = 0x100;

  /** Device address of the DMA buffer, and its size. */
  static final long DMA_BUFFER_ADDRESS = 0x40000;
  static final int DMA_BUFFER_SIZE = 4096;
  /** The edu device drives 28 address bits; higher guest address bits are dropped. */
  static final long DMA_ADDRESS_MASK = (1L << 28) - 1;

  static final int STATUS_COMPUTING = 0x01;
  static final int STATUS_IRQ_ON_FACTORIAL = 0x80;

  static final long COMMAND_START = 0x1;
  static final long COMMAND_TO_GUEST = 0x2;
  static final long COMMAND_IRQ = 0x4;

  /** How long the hardware takes, so that drivers must wait for the status bits as on QEMU. */
  static final Duration FACTORIAL_TIME = Duration.ofMillis(1);
  static final Duration DMA_TIME = Duration.ofMillis(10);

  private final DeviceContext ctx;
  private final MemorySegment dmaBuffer = Arena.ofAuto().allocate(DMA_BUFFER_SIZE);
  private DeviceContext.Cancellable pendingFactorial;
  private DeviceContext.Cancellable pendingDma;
  /** Bumped by reset, so that a transfer still in flight cannot finish into the new state. */
  private int generation;

  public EduDevice(DeviceContext ctx) {
    this.ctx = ctx;
  }

  @Register(bar = 0, offset = 0x00, access = Access.RO, reset = 0x010000ed)
  int identification;

  /** Liveness check: reads back the bitwise inverse of the last value written. */
  @Register(bar = 0, offset = 0x04)
  int liveness;

  /** Write n to compute n! (32-bit, wraps); reads n until the result replaces it. */
  @Register(bar = 0, offset = 0x08)
  int factorial;

  @Register(bar = 0, offset = 0x20, fields = {
      @Field(name = "computing", bits = "0", access = Access.RO),
      @Field(name = "irqOnFactorial", bits = "7")})
  int status;

  @Register(bar = 0, offset = 0x24, access = Access.RO)
  int interruptStatus;

  /** Write-only; reads are not decoded on edu, so they read all ones (not zero). */
  @Register(bar = 0, offset = 0x60, access = Access.WO, readsAllOnes = true)
  int interruptRaise;

  @Register(bar = 0, offset = 0x64, access = Access.WO, readsAllOnes = true)
  int interruptAcknowledge;

  /*
   * The DMA registers: QEMU's edu.c decodes them by offset and ignores the access size, so a
   * 4-byte access acts on the whole register at its own offset and goes nowhere at 0x84, 0x8c, ...
   */
  @Register(bar = 0, offset = 0x80, width = 8, accessSizes = {4, 8},
      narrowAccess = NarrowAccess.WHOLE_REGISTER)
  long dmaSource;

  @Register(bar = 0, offset = 0x88, width = 8, accessSizes = {4, 8},
      narrowAccess = NarrowAccess.WHOLE_REGISTER)
  long dmaDestination;

  @Register(bar = 0, offset = 0x90, width = 8, accessSizes = {4, 8},
      narrowAccess = NarrowAccess.WHOLE_REGISTER)
  long dmaCount;

  @Register(bar = 0, offset = 0x98, width = 8, accessSizes = {4, 8},
      narrowAccess = NarrowAccess.WHOLE_REGISTER)
  long dmaCommand;

  @OnWrite("liveness")
  int invert(int value) {
    return ~value;
  }

  /** A new factorial starts only when none is running; the result arrives a moment later. */
  @OnWrite("factorial")
  int startFactorial(int current, int n) {
    if ((status & STATUS_COMPUTING) != 0) {
      return current;
    }
    status |= STATUS_COMPUTING;
    pendingFactorial = ctx.schedule(FACTORIAL_TIME, () -> finishFactorial(n));
    return n;
  }

  private void finishFactorial(int n) {
    factorial = factorialOf(n);
    status &= ~STATUS_COMPUTING;
    if ((status & STATUS_IRQ_ON_FACTORIAL) != 0) {
      raise(FACTORIAL_IRQ);
    }
  }

  /** n! in 32-bit unsigned arithmetic, as the hardware computes it (13! already wraps). */
  static int factorialOf(int n) {
    int result = 1;
    for (long i = Integer.toUnsignedLong(n); i > 0; i--) {
      result *= (int) i;
    }
    return result;
  }

  @OnWrite("interruptRaise")
  void raiseFromGuest(int bits) {
    raise(bits);
  }

  @OnWrite("interruptAcknowledge")
  void acknowledge(int bits) {
    interruptStatus &= ~bits;
    if (interruptStatus == 0 && !ctx.interrupts().msiEnabled()) {
      ctx.interrupts().lower(0);
    }
  }

  /** ORs {@code bits} into the status; each raise with a non-zero status signals (MSI or INTx). */
  private void raise(int bits) {
    interruptStatus |= bits;
    if (interruptStatus != 0) {
      ctx.interrupts().raise(0);
    }
  }

  // While a transfer runs, writes to every DMA register are ignored.

  @OnWrite("dmaSource")
  long setSource(long current, long value) {
    return dmaRunning() ? current : value;
  }

  @OnWrite("dmaDestination")
  long setDestination(long current, long value) {
    return dmaRunning() ? current : value;
  }

  @OnWrite("dmaCount")
  long setCount(long current, long value) {
    return dmaRunning() ? current : value;
  }

  /** A command without the start bit is ignored; with it, the transfer completes a little later. */
  @OnWrite("dmaCommand")
  long startDma(long current, long command) {
    if (dmaRunning() || (command & COMMAND_START) == 0) {
      return current;
    }
    pendingDma = ctx.schedule(DMA_TIME, this::runDma);
    return command;
  }

  private boolean dmaRunning() {
    return (dmaCommand & COMMAND_START) != 0;
  }

  private void runDma() {
    boolean toGuest = (dmaCommand & COMMAND_TO_GUEST) != 0;
    long bufferAddress = toGuest ? dmaSource : dmaDestination;
    long guestAddress = (toGuest ? dmaDestination : dmaSource) & DMA_ADDRESS_MASK;
    long count = dmaCount;
    if (!insideBuffer(bufferAddress, count)) {
      // QEMU logs a guest error and copies anyway (outside its buffer); we refuse the copy.
      ctx.log().log(Level.WARNING, "DMA of {0} bytes at device address 0x{1} is outside the buffer"
          + " 0x40000..0x40fff; nothing copied", Long.toUnsignedString(count), Long.toHexString(bufferAddress));
      finishDma();
      return;
    }
    MemorySegment buffer = dmaBuffer.asSlice(bufferAddress - DMA_BUFFER_ADDRESS, count);
    CompletionStage<Void> transfer = toGuest
        ? ctx.dma().writeAsync(guestAddress, buffer)
        : ctx.dma().readAsync(guestAddress, buffer);
    int started = generation;
    transfer.whenComplete((ok, failure) -> {
      if (started != generation) {
        return;
      }
      if (failure != null) {
        ctx.log().log(Level.WARNING, "DMA at guest address 0x{0} failed: {1}",
            Long.toHexString(guestAddress), describe(failure));
      }
      finishDma();
    });
  }

  private static String describe(Throwable failure) {
    Throwable cause = failure.getCause() instanceof DmaException dma ? dma : failure;
    return cause.getMessage();
  }

  private void finishDma() {
    pendingDma = null;
    dmaCommand &= ~COMMAND_START;
    if ((dmaCommand & COMMAND_IRQ) != 0) {
      raise(DMA_IRQ);
    }
  }

  static boolean insideBuffer(long address, long count) {
    long offset = address - DMA_BUFFER_ADDRESS;
    return address >= DMA_BUFFER_ADDRESS && count >= 0 && offset <= DMA_BUFFER_SIZE - count;
  }

  /** Work in flight belongs to the old state: drop it. */
  @OnReset
  void cancelWork() {
    generation++;
    if (pendingFactorial != null) {
      pendingFactorial.cancel();
      pendingFactorial = null;
    }
    if (pendingDma != null) {
      pendingDma.cancel();
      pendingDma = null;
    }
    dmaBuffer.fill((byte) 0);
  }
}

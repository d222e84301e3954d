package ${package};

import io.vfu4j.api.Access;
import io.vfu4j.api.Bar;
import io.vfu4j.api.DeviceContext;
import io.vfu4j.api.Field;
import io.vfu4j.api.InterruptPin;
import io.vfu4j.api.OnReset;
import io.vfu4j.api.OnWrite;
import io.vfu4j.api.PciDevice;
import io.vfu4j.api.ReadEffect;
import io.vfu4j.api.Register;
import io.vfu4j.api.WriteEffect;
import io.vfu4j.api.capability.Msi;
import java.time.Duration;

/**
 * A countdown timer: the guest writes a number of milliseconds to {@code countdown}; when that
 * time has passed the device sets {@code status.done}, counts the expiry and, if the guest asked
 * for it, raises an interrupt (MSI when the guest enabled it, the INTA level otherwise).
 *
 * <p>BAR0 (4 KiB of 32-bit registers, 4-byte accesses only):
 *
 * <pre>
 * 0x00 id          RO    0x00010000: version 1.0
 * 0x04 scratch     RW    any value; for drivers to check that the device answers
 * 0x08 control     RW    bit 0 irqEnable: interrupt when a countdown expires
 * 0x0c status            bit 0 done (write 1 to clear, which also drops INTx), bit 1 busy (RO)
 * 0x10 countdown   RW    write n: expires after n ms (0 stops it); reads the value written
 * 0x14 expirations RO    countdowns expired since the last read (cleared by reading)
 * </pre>
 *
 * <p>Everything here is the public vfu4j API: annotations describe what the guest sees, hooks add
 * behaviour, and the annotation processor generates the rest ({@code ${deviceName}_Descriptor}).
 * Hooks and timers run on one device thread, so no locks are needed.
 */
@PciDevice(vendorId = ${vendorId}, deviceId = ${deviceId}, classCode = 0xff0000, revision = 0x01,
    interruptPin = InterruptPin.INTA, name = "${artifactId}")
@Msi(vectors = 1)
@Bar(index = 0, size = 4096)
public final class ${deviceName} {
  static final int VERSION = 0x0001_0000;

  static final int CONTROL_IRQ_ENABLE = 1 << 0;
  static final int STATUS_DONE = 1 << 0;
  static final int STATUS_BUSY = 1 << 1;

  private final DeviceContext context;
  private DeviceContext.Cancellable pending;

  public ${deviceName}(DeviceContext context) {
    this.context = context;
  }

  @Register(bar = 0, offset = 0x00, access = Access.RO, reset = VERSION)
  int id;

  @Register(bar = 0, offset = 0x04)
  int scratch;

  @Register(bar = 0, offset = 0x08, fields = @Field(name = "irqEnable", bits = "0"))
  int control;

  @Register(bar = 0, offset = 0x0c, fields = {
      @Field(name = "done", bits = "0", onWrite = WriteEffect.W1C),
      @Field(name = "busy", bits = "1", access = Access.RO)})
  int status;

  @Register(bar = 0, offset = 0x10)
  int countdown;

  @Register(bar = 0, offset = 0x14, access = Access.RO, onRead = ReadEffect.CLEAR)
  int expirations;

  /** A new value restarts the countdown (after the store, so the register reads it back). */
  @OnWrite("countdown")
  void start(int milliseconds) {
    cancelPending();
    if (milliseconds == 0) {
      return;
    }
    status |= STATUS_BUSY;
    pending = context.schedule(Duration.ofMillis(Integer.toUnsignedLong(milliseconds)), this::expire);
  }

  private void expire() {
    pending = null;
    status = (status & ~STATUS_BUSY) | STATUS_DONE;
    expirations++;
    if ((control & CONTROL_IRQ_ENABLE) != 0) {
      context.interrupts().raise(0);
    }
  }

  /** Runs when the guest acknowledges (writes 1 to) done: the INTx level follows the bit. */
  @OnWrite("status.done")
  void acknowledged(int done) {
    if (done == 0) {
      context.interrupts().lower(0);
    }
  }

  /** A countdown still running belongs to the state before the reset. */
  @OnReset
  void cancelPending() {
    if (pending != null) {
      pending.cancel();
      pending = null;
    }
    status &= ~STATUS_BUSY;
  }
}

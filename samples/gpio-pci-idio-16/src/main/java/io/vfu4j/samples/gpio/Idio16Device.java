package io.vfu4j.samples.gpio;

import io.vfu4j.api.Access;
import io.vfu4j.api.Bar;
import io.vfu4j.api.DeviceContext;
import io.vfu4j.api.InterruptPin;
import io.vfu4j.api.OnRead;
import io.vfu4j.api.OnReset;
import io.vfu4j.api.OnWrite;
import io.vfu4j.api.PciDevice;
import io.vfu4j.api.Register;

/**
 * The ACCES PCI-IDIO-16: 16 isolated digital outputs, 16 isolated inputs and an interrupt on
 * input changes, faithful enough for Linux's {@code gpio-pci-idio-16} driver.
 *
 * <p>BAR2 is an 8-byte I/O BAR (as on the real card) of 8-bit registers:
 *
 * <pre>
 * +0  outputs 0-7    read: last value written  write: set outputs
 * +1  inputs 0-7     read: input lines         write: any value clears the pending interrupt
 * +2  irq control    read: enables the input-change interrupt  write 0: disables it
 * +3  filter control read: enables input filters               write 0: disables them
 * +4  outputs 8-15   read: last value written  write: set outputs
 * +5  inputs 8-15    read: input lines
 * +6  irq status     bit 2: interrupt pending; bit 0/1: inputs 0-7 / 8-15 changed
 * </pre>
 *
 * Inputs are driven from outside the guest with {@link #driveInputs(int, int)} (on the device
 * thread; see {@link Idio16Control}).
 */
@PciDevice(vendorId = 0x494f, deviceId = 0x0dc8, classCode = 0xff0000,
    interruptPin = InterruptPin.INTA, name = "pci-idio-16")
@Bar(index = 2, size = 8, type = Bar.Type.IO)
public final class Idio16Device {
  /** Status bits as Linux's driver tests them: 6.1 needs bit 2 and bit 0 or 1; newer only bit 2. */
  static final int STATUS_LOW_CHANGED = 0x1;
  static final int STATUS_HIGH_CHANGED = 0x2;
  static final int STATUS_PENDING = 0x4;

  private final DeviceContext ctx;
  /** The input lines as the outside world drives them; kept across resets. */
  private int inputs;
  private boolean interruptEnabled;
  private boolean filtersEnabled;

  public Idio16Device(DeviceContext ctx) {
    this.ctx = ctx;
  }

  @Register(bar = 2, offset = 0, width = 1)
  byte outputsLow;

  @Register(bar = 2, offset = 1, width = 1)
  byte inputsLow;

  @Register(bar = 2, offset = 2, width = 1)
  byte interruptControl;

  @Register(bar = 2, offset = 3, width = 1)
  byte filterControl;

  @Register(bar = 2, offset = 4, width = 1)
  byte outputsHigh;

  @Register(bar = 2, offset = 5, width = 1, access = Access.RO)
  byte inputsHigh;

  @Register(bar = 2, offset = 6, width = 1, access = Access.RO)
  byte interruptStatus;

  /** Writing the input register does not change inputs: it acknowledges the interrupt. */
  @OnWrite("inputsLow")
  byte clearInterrupt(byte current, byte ignored) {
    interruptStatus = 0;
    ctx.interrupts().lower(0);
    return current;
  }

  @OnRead("interruptControl")
  byte enableInterrupt(byte stored) {
    interruptEnabled = true;
    return stored;
  }

  @OnWrite("interruptControl")
  byte disableInterrupt(byte current, byte value) {
    if (value == 0) {
      interruptEnabled = false;
    }
    return current;
  }

  @OnRead("filterControl")
  byte enableFilters(byte stored) {
    filtersEnabled = true;
    return stored;
  }

  @OnWrite("filterControl")
  byte disableFilters(byte current, byte value) {
    if (value == 0) {
      filtersEnabled = false;
    }
    return current;
  }

  /** Inputs come from outside and survive the reset; the interrupt starts disabled. */
  @OnReset
  void afterReset() {
    interruptEnabled = false;
    filtersEnabled = false;
    showInputs();
    ctx.interrupts().lower(0);
  }

  /**
   * Drives the input lines selected by {@code mask} (bit n = input n) to the levels in
   * {@code levels}. A change raises INTx while the interrupt is enabled. Device thread only.
   */
  void driveInputs(int mask, int levels) {
    int next = (inputs & ~mask | levels & mask) & 0xffff;
    int changed = inputs ^ next;
    inputs = next;
    showInputs();
    if (changed != 0 && interruptEnabled) {
      interruptStatus = (byte) (interruptStatus | STATUS_PENDING
          | ((changed & 0x00ff) != 0 ? STATUS_LOW_CHANGED : 0)
          | ((changed & 0xff00) != 0 ? STATUS_HIGH_CHANGED : 0));
      ctx.interrupts().raise(0);
    }
  }

  private void showInputs() {
    inputsLow = (byte) inputs;
    inputsHigh = (byte) (inputs >>> 8);
  }

  /** A snapshot for the control interface. Device thread only. */
  Idio16State state() {
    return new Idio16State(
        (outputsLow & 0xff) | (outputsHigh & 0xff) << 8, inputs, interruptEnabled,
        interruptStatus & 0xff, ctx.interrupts().intxAsserted(), filtersEnabled);
  }
}

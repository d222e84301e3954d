package test;

import io.vfu4j.api.Access;
import io.vfu4j.api.Bar;
import io.vfu4j.api.DeviceContext;
import io.vfu4j.api.Field;
import io.vfu4j.api.InterruptPin;
import io.vfu4j.api.NarrowAccess;
import io.vfu4j.api.OnRead;
import io.vfu4j.api.OnReset;
import io.vfu4j.api.OnWrite;
import io.vfu4j.api.PciDevice;
import io.vfu4j.api.ReadEffect;
import io.vfu4j.api.Register;
import io.vfu4j.api.ResetReason;
import io.vfu4j.api.WriteEffect;
import io.vfu4j.api.capability.Msi;
import java.util.ArrayList;
import java.util.List;

/** An edu-like device: identity, liveness check, factorial, interrupts, a register array. */
@PciDevice(vendorId = 0x1234, deviceId = 0x11e8, classCode = 0x00ff00, revision = 0x10,
    interruptPin = InterruptPin.INTA, name = "edu")
@Bar(index = 0, size = 0x100000)
@Msi(vectors = 1)
public class Edu {
  final DeviceContext context;
  final List<String> events = new ArrayList<>();

  @Register(bar = 0, offset = 0x00, access = Access.RO, reset = 0x010000ed)
  int identification;

  @Register(bar = 0, offset = 0x04)
  int liveness;

  @Register(bar = 0, offset = 0x08)
  int factorial;

  @Register(bar = 0, offset = 0x10, accessSizes = {1, 2, 4})
  int scratch;

  @Register(bar = 0, offset = 0x20, fields = {
      @Field(name = "computing", bits = "0", access = Access.RO),
      @Field(name = "irqOnDone", bits = "7")})
  int status;

  @Register(bar = 0, offset = 0x24, access = Access.RO)
  int irqStatus;

  @Register(bar = 0, offset = 0x60, access = Access.WO)
  int irqRaise;

  @Register(bar = 0, offset = 0x64, onWrite = WriteEffect.W1C)
  int irqAck;

  @Register(bar = 0, offset = 0x68, width = 8, fields = {
      @Field(name = "events", bits = "15:0", onRead = ReadEffect.CLEAR),
      @Field(name = "sticky", bits = "31:16", onWrite = WriteEffect.W1S),
      @Field(name = "flip", bits = "39:32", onWrite = WriteEffect.W1T),
      @Field(name = "zeroClear", bits = "47:40", onWrite = WriteEffect.W0C, reset = 0xff)})
  long counters;

  /** Write-only with undecoded reads, as edu's raise/acknowledge registers. */
  @Register(bar = 0, offset = 0x70, accessSizes = {2, 4}, access = Access.WO, readsAllOnes = true)
  int command;

  /** QEMU edu's DMA register rule: a 4-byte access is an access of the whole register. */
  @Register(bar = 0, offset = 0x80, width = 8, accessSizes = {4, 8},
      narrowAccess = NarrowAccess.WHOLE_REGISTER)
  long dmaSource;

  /** The same shape with byte lanes (the default), for contrast. */
  @Register(bar = 0, offset = 0x88, width = 8, accessSizes = {4, 8})
  long dmaDestination;

  @Register(bar = 0, offset = 0x100, count = 4, stride = 8)
  int[] doorbell;

  public Edu(DeviceContext context) {
    this.context = context;
  }

  @OnWrite("liveness")
  int invert(int value) {
    return ~value;
  }

  @OnWrite("factorial")
  void compute(int oldValue, int newValue) {
    events.add("factorial " + oldValue + "->" + newValue);
    int f = 1;
    for (int i = 2; i <= newValue; i++) {
      f *= i;
    }
    factorial = f;
  }

  @OnRead("irqStatus")
  void refreshIrqStatus() {
    events.add("refresh irqStatus");
  }

  @OnRead("status.computing")
  int computing(int stored) {
    return 1;
  }

  @OnWrite("irqRaise")
  void raise(int value) {
    irqStatus |= value;
    events.add("raise " + value);
  }

  @OnWrite("irqAck")
  void ack(int oldValue, int newValue) {
    events.add("ack " + Integer.toHexString(oldValue) + "->" + Integer.toHexString(newValue));
  }

  @OnWrite("status.irqOnDone")
  void irqOnDone(int value) {
    events.add("irqOnDone " + value);
  }

  @OnWrite("command")
  void command(int value) {
    events.add("command " + Integer.toHexString(value));
  }

  @OnWrite("dmaSource")
  void source(long oldValue, long newValue) {
    events.add("dmaSource " + Long.toHexString(oldValue) + "->" + Long.toHexString(newValue));
  }

  @OnWrite("doorbell")
  void ring(int index, int value) {
    events.add("doorbell[" + index + "]=" + value);
  }

  @OnReset
  void resetHook(ResetReason reason) {
    events.add("reset " + reason);
  }
}

package io.vfu4j.runtime.server;

import io.vfu4j.api.Interrupts;
import io.vfu4j.runtime.protocol.DeviceMessages.IrqInfo;
import io.vfu4j.runtime.protocol.DeviceMessages.SetIrqs;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.ProtocolException;
import io.vfu4j.runtime.transport.Fds;
import java.io.FileDescriptor;

/** The standard wiring of a device to the interrupt machinery. */
final class Wirings {
  private Wirings() {}

  static DeviceHost.Wiring standard() {
    return (config, deviceThread) -> new NoIrq();
  }

  /** Placeholder until the IRQ controller lands: no vectors, SET_IRQS refused. */
  private static final class NoIrq implements IrqPort, Interrupts {
    @Override
    public IrqInfo info(int index) throws ProtocolException {
      if (index < 0 || index >= DeviceHost.IrqIndex.COUNT) {
        throw ProtocolException.invalid("IRQ index " + index + " does not exist");
      }
      return new IrqInfo(IrqInfo.FLAG_EVENTFD, index, 0);
    }

    @Override
    public void setIrqs(SetIrqs request, FileDescriptor[] fds) throws ProtocolException {
      Fds.close(fds);
      throw new ProtocolException(Errno.ENOTSUP, "interrupts are not wired");
    }

    @Override
    public void configWritten() {}

    @Override
    public void dropClientFds() {}

    @Override
    public void reset() {}

    @Override
    public Interrupts interrupts() {
      return this;
    }

    @Override
    public void raise(int vector) {}

    @Override
    public void lower(int vector) {}

    @Override
    public boolean msiEnabled() {
      return false;
    }

    @Override
    public boolean msixEnabled() {
      return false;
    }

    @Override
    public boolean intxAsserted() {
      return false;
    }
  }
}

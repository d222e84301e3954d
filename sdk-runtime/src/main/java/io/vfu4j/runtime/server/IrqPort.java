package io.vfu4j.runtime.server;

import io.vfu4j.api.Interrupts;
import io.vfu4j.runtime.protocol.DeviceMessages.IrqInfo;
import io.vfu4j.runtime.protocol.DeviceMessages.SetIrqs;
import io.vfu4j.runtime.protocol.ProtocolException;
import java.io.FileDescriptor;

/** What the server needs from the interrupt machinery; called on the device thread only. */
interface IrqPort {
  IrqInfo info(int index) throws ProtocolException;

  /** Applies SET_IRQS; takes ownership of {@code fds} (closes them on refusal). */
  void setIrqs(SetIrqs request, FileDescriptor[] fds) throws ProtocolException;

  /** Config space was written: re-evaluate INTx disable and MSI/MSI-X enables. */
  void configWritten();

  /** The client went: close its eventfds. */
  void dropClientFds();

  /** Device reset: all vectors disabled, levels low. */
  void reset();

  /** The device-facing view. */
  Interrupts interrupts();
}

package ${package};

import io.vfu4j.runtime.cli.DeviceExtension;
import io.vfu4j.runtime.cli.HostSession;
import io.vfu4j.runtime.sys.EventFd;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/** {@code --demo}: what a guest driver does with the device, printed as it happens. */
final class ${deviceName}Demo implements DeviceExtension {
  private static final Duration WAIT = Duration.ofSeconds(2);

  @Override
  public boolean hasDemo() {
    return true;
  }

  @Override
  public void demo(Path socket, PrintStream out) throws Exception {
    try (HostSession host = HostSession.connect(socket)) {
      out.println("device     " + host.identity().describe());
      host.enable(HostSession.CMD_MEMORY);
      EventFd intx = host.interrupt(HostSession.INTX);

      out.printf("id         0x%08x%n", host.read(0, 0x00, 4));
      host.write(0, 0x04, 4, 0xcafe_f00dL);
      out.printf("scratch    wrote 0xcafef00d, read back 0x%08x%n", host.read(0, 0x04, 4));

      host.write(0, 0x08, 4, ${deviceName}.CONTROL_IRQ_ENABLE);
      host.write(0, 0x10, 4, 5);
      boolean signalled = intx.await(WAIT) > 0;
      out.printf("countdown  5 ms with irqEnable: INTx %s, status 0x%x%n",
          signalled ? "signalled" : "NOT signalled", host.read(0, 0x0c, 4));
      host.write(0, 0x0c, 4, ${deviceName}.STATUS_DONE);
      out.printf("ack        wrote 1 to done: status 0x%x, expirations %d (then %d: clear on read)%n",
          host.read(0, 0x0c, 4), host.read(0, 0x14, 4), host.read(0, 0x14, 4));
    }
  }
}

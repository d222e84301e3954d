package io.vfu4j.samples.gpio;

import io.vfu4j.runtime.cli.HostSession;
import io.vfu4j.runtime.sys.EventFd;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/** {@code --demo}: Linux's driver probing the card, then an input flipped from outside. */
final class Idio16Demo {
  private static final int BAR = 2;
  private static final Duration WAIT = Duration.ofSeconds(2);

  private final Idio16Control control;
  private final PrintStream out;

  Idio16Demo(Idio16Control control, PrintStream out) {
    this.control = control;
    this.out = out;
  }

  void run(Path socket) throws IOException {
    try (HostSession host = HostSession.connect(socket)) {
      out.println("device     " + host.identity().describe());
      out.printf("BAR2       %d bytes of I/O registers%n", host.client().regionInfo(BAR).info().size());
      host.enable(HostSession.CMD_IO);
      EventFd intx = host.interrupt(HostSession.INTX);

      host.write(BAR, 3, 1, 0);
      host.write(BAR, 2, 1, 0);
      host.write(BAR, 1, 1, 0);
      host.read(BAR, 2, 1);
      out.println("probe      wrote 0 to +3, +2, +1 (filters off, interrupt off, clear); read +2: interrupt on");

      host.write(BAR, 0, 1, 0xa5);
      host.write(BAR, 4, 1, 0x3c);
      out.printf("outputs    wrote 0xa5 to +0 and 0x3c to +4, read back 0x%02x 0x%02x%n",
          host.read(BAR, 0, 1), host.read(BAR, 4, 1));
      out.println("control    get -> " + control.execute("get"));

      out.println("control    set 3 1 -> " + control.execute("set 3 1"));
      out.printf("inputs     +1 reads 0x%02x, +5 reads 0x%02x%n", host.read(BAR, 1, 1), host.read(BAR, 5, 1));
      boolean signalled = intx.await(WAIT) > 0;
      out.printf("interrupt  INTx %s, +6 status 0x%02x, PCI Status bit 3 = %d%n",
          signalled ? "signalled" : "NOT signalled", host.read(BAR, 6, 1), (host.client().config16(0x06) >> 3) & 1);
      host.write(BAR, 1, 1, 0);
      out.printf("interrupt  wrote +1 to clear: +6 status 0x%02x, PCI Status bit 3 = %d%n",
          host.read(BAR, 6, 1), (host.client().config16(0x06) >> 3) & 1);
    }
  }
}

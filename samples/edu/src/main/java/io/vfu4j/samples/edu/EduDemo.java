package io.vfu4j.samples.edu;

import io.vfu4j.host.GuestMemory;
import io.vfu4j.runtime.cli.DeviceExtension;
import io.vfu4j.runtime.cli.HostSession;
import io.vfu4j.runtime.sys.EventFd;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** {@code --demo}: what a guest driver for edu does first, printed as it happens. */
final class EduDemo implements DeviceExtension {
  private static final Duration WAIT = Duration.ofSeconds(2);
  private static final long GUEST_SOURCE = 0x1000, GUEST_DESTINATION = 0x2000;

  @Override
  public boolean hasDemo() {
    return true;
  }

  @Override
  public void demo(Path socket, PrintStream out) throws Exception {
    try (HostSession host = HostSession.connect(socket);
        GuestMemory guest = host.client().mapGuestMemory(0, 1 << 20, true)) {
      out.println("device     " + host.identity().describe());
      out.printf("BAR0       %d MiB of registers%n", host.client().regionInfo(0).info().size() >> 20);
      host.enable(HostSession.CMD_MEMORY | HostSession.CMD_BUS_MASTER);
      EventFd intx = host.interrupt(HostSession.INTX);

      out.printf("register   0x00 identification = 0x%08x%n", host.read(0, 0x00, 4));
      host.write(0, 0x04, 4, 0x12345678);
      out.printf("register   0x04 liveness: wrote 0x12345678, read back 0x%08x (inverted)%n", host.read(0, 0x04, 4));

      host.write(0, 0x08, 4, 10);
      waitUntil(() -> (host.read(0, 0x20, 4) & EduDevice.STATUS_COMPUTING) == 0, "factorial");
      out.printf("factorial  wrote 10 to 0x08, waited for status bit 0, read %d%n", host.read(0, 0x08, 4));

      byte[] text = "Hello through the edu DMA buffer!".getBytes(StandardCharsets.US_ASCII);
      MemorySegment.copy(text, 0, guest.segment(), ValueLayout.JAVA_BYTE, GUEST_SOURCE, text.length);
      dma(host, GUEST_SOURCE, EduDevice.DMA_BUFFER_ADDRESS, text.length, EduDevice.COMMAND_START);
      dma(host, EduDevice.DMA_BUFFER_ADDRESS, GUEST_DESTINATION, text.length,
          EduDevice.COMMAND_START | EduDevice.COMMAND_TO_GUEST | EduDevice.COMMAND_IRQ);
      byte[] copied = guest.segment().asSlice(GUEST_DESTINATION, text.length).toArray(ValueLayout.JAVA_BYTE);
      out.printf("dma        guest 0x%x -> device 0x40000 -> guest 0x%x: \"%s\"%n", GUEST_SOURCE,
          GUEST_DESTINATION, new String(copied, StandardCharsets.US_ASCII));

      boolean signalled = intx.await(WAIT) > 0;
      out.printf("interrupt  DMA done: INTx %s, status 0x24 = 0x%03x, PCI Status bit 3 = %d%n",
          signalled ? "signalled" : "NOT signalled", host.read(0, 0x24, 4), (host.client().config16(0x06) >> 3) & 1);
      host.write(0, 0x64, 4, EduDevice.DMA_IRQ);
      out.printf("interrupt  acknowledged 0x100: status 0x24 = 0x%03x, PCI Status bit 3 = %d%n",
          host.read(0, 0x24, 4), (host.client().config16(0x06) >> 3) & 1);

      EventFd msi = host.interrupt(HostSession.MSI);
      host.enableMsi(0x40);
      host.write(0, 0x60, 4, 0x1);
      out.printf("msi        MSI enabled, raised 0x1 through 0x60: %s%n",
          msi.await(WAIT) > 0 ? "one message on the MSI eventfd" : "NO message");
      host.write(0, 0x64, 4, 0x1);
    }
  }

  private static void dma(HostSession host, long source, long destination, long count, long command)
      throws IOException, InterruptedException {
    host.write(0, 0x80, 8, source);
    host.write(0, 0x88, 8, destination);
    host.write(0, 0x90, 8, count);
    host.write(0, 0x98, 8, command);
    waitUntil(() -> (host.read(0, 0x98, 8) & EduDevice.COMMAND_START) == 0, "DMA");
  }

  private interface Condition {
    boolean holds() throws IOException;
  }

  private static void waitUntil(Condition condition, String what) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new IOException(what + " did not finish within " + WAIT.toSeconds() + " s");
      }
      Thread.sleep(1);
    }
  }
}

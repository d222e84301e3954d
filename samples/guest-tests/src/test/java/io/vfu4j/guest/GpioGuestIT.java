package io.vfu4j.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PCI-IDIO-16 sample under Linux's own gpio-pci-idio-16 driver: it binds, the 16 outputs
 * latch what gpioset wrote and read back through the driver, and when the guest waits, this test
 * drives the inputs through the sample's control socket, as the card's outside world would: the
 * guest reads them with gpioget, and gpiomon sees the change through the driver's interrupt.
 */
class GpioGuestIT {
  /** The inputs the outside world drives: input 0 rises, so gpiomon on line 16 sees an edge. */
  static final int INPUTS = 0xa5c3;

  @RegisterExtension
  static final GuestDiagnostics DIAGNOSTICS = new GuestDiagnostics();

  @Test
  void linuxDriverBindsDrivesOutputsAndSeesInputChanges(@TempDir Path dir) throws Exception {
    GuestEnvironment environment = GuestEnvironment.get();
    Path control = dir.resolve("idio16.ctl");
    List<String> controlReplies = new CopyOnWriteArrayList<>();
    try (SampleServer server = DIAGNOSTICS.add(SampleServer.start(environment, "gpio-pci-idio-16", dir,
        "--control-socket", control.toString()))) {
      GuestRun run = DIAGNOSTICS.add(new GuestVm(environment, "pci-idio-16 sample (vfio-user)")
          .tests("gpio").vfioUser(server.socket(), null)
          .onConsole(line -> {
            if (line.contains("VFU4J-WAIT gpio.inputs")) {
              controlReplies.add(command(control, "get"));
              controlReplies.add(command(control, "inputs 0x" + Integer.toHexString(INPUTS)));
            }
          })
          .run(EduGuestIT.BOOT));

      assertThat(run.completed()).as("the guest ran its tests and powered off").isTrue();
      assertThat(run.testStatus("gpio")).as("guest/tests/gpio.sh exit status").isZero();
      assertThat(run.results("gpio.")).containsEntry("found", "1")
          .containsEntry("driver", "pci-idio-16")
          .containsEntry("lspci.problems", "0")
          .containsEntry("outputs.0xa5c3", "0xa5c3")
          .containsEntry("outputs.0x5a3c", "0x5a3c")
          .containsEntry("outputs.0xffff", "0xffff")
          .containsEntry("outputs.0x0000", "0x0000")
          .containsEntry("outputs.0x8001", "0x8001")
          .containsEntry("inputs.before", "0x0000")
          .containsEntry("irq.event", "1 16") // gpiomon -F "%e %o": 1 = rising edge, line 16
          .containsEntry("inputs.after", "0x" + Integer.toHexString(INPUTS));
      assertThat(run.result("gpio.chip")).contains("32 lines");
      assertThat(Integer.parseInt(run.result("gpio.irq.count"))).as("interrupts the guest took").isPositive();
      assertThat(controlReplies).as("the device latched the guest's last outputs, then took the new inputs")
          .hasSize(2);
      assertThat(controlReplies.get(0)).startsWith("ok").contains("outputs=0x8001");
      assertThat(controlReplies.get(1)).startsWith("ok").contains("inputs=0x" + Integer.toHexString(INPUTS));
    }
  }

  /** One control-socket command and its one-line answer. */
  private static String command(Path socket, String command) {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      OutputStream out = Channels.newOutputStream(channel);
      out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
      return in.readLine();
    } catch (IOException e) {
      return "control socket failed: " + e;
    }
  }
}

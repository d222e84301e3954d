package io.vfu4j.samples.gpio;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.runtime.cli.DeviceProcess;
import io.vfu4j.runtime.cli.HostSession;
import io.vfu4j.runtime.sys.EventFd;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar in its own process, its inputs driven through standard input as a person would.
 * Runs in the integration-test phase (failsafe), after package.
 */
@Timeout(60)
class Idio16JarIT {
  private static final Path JAR = Path.of(System.getProperty("vfu4j.sample.jar", "target/gpio-pci-idio-16.jar"));
  private static final Duration START = Duration.ofSeconds(20);

  @Test
  void stdinDrivesAnInputAndSigtermRemovesBothSockets(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("idio16.sock");
    Path control = dir.resolve("idio16.ctl");
    try (DeviceProcess device = DeviceProcess.start(JAR, dir.resolve("stderr.txt"),
        "--socket", socket.toString(), "--control-socket", control.toString(), "--stdin-control")) {
      device.awaitListening(socket, START);
      device.awaitFile(control, START);
      PrintWriter stdin = new PrintWriter(device.process().getOutputStream(), true, StandardCharsets.UTF_8);
      BufferedReader stdout = new BufferedReader(
          new InputStreamReader(device.process().getInputStream(), StandardCharsets.UTF_8));

      try (HostSession host = HostSession.connect(socket)) {
        host.enable(HostSession.CMD_IO);
        EventFd intx = host.interrupt(HostSession.INTX);
        host.read(2, 2, 1); // enable the input-change interrupt
        host.write(2, 0, 1, 0x81);

        stdin.println("set 7 1");
        assertThat(stdout.readLine()).startsWith("ok outputs=0x0081 inputs=0x0080 irq=enabled status=0x05");
        assertThat(intx.await(START)).isPositive();
        assertThat(host.read(2, 1, 1)).isEqualTo(0x80);
      }
      assertThat(device.terminate(START)).isEqualTo(143);
      assertThat(socket).doesNotExist();
      assertThat(control).doesNotExist();
    }
  }
}

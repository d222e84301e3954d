package io.vfu4j.samples.edu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.runtime.cli.DeviceProcess;
import io.vfu4j.runtime.cli.HostSession;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as a user runs it, in its own process. Runs in the integration-test phase
 * (failsafe), after package built {@code target/edu.jar}.
 */
@Timeout(60)
class EduJarIT {
  private static final Path JAR = Path.of(System.getProperty("vfu4j.sample.jar", "target/edu.jar"));
  private static final Duration START = Duration.ofSeconds(20);

  @Test
  void servesTheSocketAndRemovesItOnSigterm(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("edu.sock");
    Path stderr = dir.resolve("stderr.txt");
    try (DeviceProcess device = DeviceProcess.start(JAR, stderr, "--socket", socket.toString())) {
      device.awaitListening(socket, START);
      try (HostSession host = HostSession.connect(socket)) {
        assertThat(host.identity().vendorId()).isEqualTo(0x1234);
        host.enable(HostSession.CMD_MEMORY);
        host.write(0, 0x04, 4, 0x0f0f0f0f);
        assertThat(host.read(0, 0x04, 4)).isEqualTo(0xf0f0f0f0L);
      }
      int status = device.terminate(START);
      assertThat(status).as("exit status after SIGTERM (128 + 15)").isEqualTo(143);
      assertThat(socket).doesNotExist();
    }
    assertThat(Files.readString(stderr)).as("slf4j-simple logs at info by default")
        .contains("edu listening on " + socket);
  }

  @Test
  void logLevelWarnKeepsInfoQuiet(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("edu.sock");
    Path stderr = dir.resolve("stderr.txt");
    try (DeviceProcess device = DeviceProcess.start(JAR, stderr, "--socket", socket.toString(), "--log-level", "WARN")) {
      device.awaitListening(socket, START);
      try (HostSession host = HostSession.connect(socket)) { // the same steps as the info-level run above
        assertThat(host.identity().vendorId()).isEqualTo(0x1234);
      }
      assertThat(device.terminate(START)).isEqualTo(143);
    }
    assertThat(Files.readString(stderr)).doesNotContain("listening");
  }

  @Test
  void aBadSocketPathIsOneLineAndANonZeroExit(@TempDir Path dir) throws Exception {
    Path stderr = dir.resolve("stderr.txt");
    Path socket = dir.resolve("missing/edu.sock");
    try (DeviceProcess device = DeviceProcess.start(JAR, stderr, "--socket", socket.toString())) {
      assertThat(device.process().waitFor()).isEqualTo(1);
    }
    assertThat(Files.readAllLines(stderr, StandardCharsets.UTF_8))
        .containsExactly("edu: directory " + socket.getParent() + " does not exist");
  }

  @Test
  void demoPrintsWhatHappened(@TempDir Path dir) throws Exception {
    try (DeviceProcess device = DeviceProcess.start(JAR, dir.resolve("stderr.txt"), "--demo")) {
      String out = new String(device.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(device.process().waitFor()).as(out).isZero();
      assertThat(out).contains("1234:11e8", "MSI at 0x40", "0x010000ed", "read 3628800",
          "\"Hello through the edu DMA buffer!\"", "INTx signalled", "one message on the MSI eventfd");
    }
  }
}

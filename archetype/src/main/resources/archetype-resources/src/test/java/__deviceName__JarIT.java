package ${package};

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
 * The shaded jar exactly as a user runs it, in its own process (manifest, bundled runtime,
 * signals). Runs in the integration-test phase, after package built it.
 */
@Timeout(60)
class ${deviceName}JarIT {
  /** Where the README says the jar is (the tests run in the project directory). */
  private static final Path JAR = Path.of("target/${artifactId}.jar");
  private static final Duration START = Duration.ofSeconds(20);

  @Test
  void servesTheSocketAndRemovesItOnSigterm(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("device.sock");
    Path stderr = dir.resolve("stderr.txt");
    try (DeviceProcess device = DeviceProcess.start(JAR, stderr, "--socket", socket.toString())) {
      device.awaitFile(socket, START);
      try (HostSession host = HostSession.connect(socket)) {
        assertThat(host.identity().vendorId()).isEqualTo(${vendorId});
        host.enable(HostSession.CMD_MEMORY);
        assertThat(host.read(0, 0x00, 4)).isEqualTo(0x0001_0000L);
      }
      assertThat(device.terminate(START)).as("exit status after SIGTERM (128 + 15)").isEqualTo(143);
      assertThat(socket).doesNotExist();
    }
    assertThat(Files.readString(stderr))
        .contains("listening on " + socket)
        .as("the manifest's Enable-Native-Access keeps the JDK quiet").doesNotContain("restricted method");
  }

  @Test
  void demoRunsTheDeviceAgainstTheBuiltInHost(@TempDir Path dir) throws Exception {
    try (DeviceProcess device = DeviceProcess.start(JAR, dir.resolve("stderr.txt"), "--demo")) {
      String out = new String(device.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(device.process().waitFor()).as(out).isZero();
      assertThat(out).contains("read back 0xcafef00d", "INTx signalled", "expirations 1 (then 0");
    }
  }

  @Test
  void versionNamesTheDeviceVfu4jAndJava() throws Exception {
    try (DeviceProcess device = DeviceProcess.start(JAR, null, "--version")) {
      String out = new String(device.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(device.process().waitFor()).isZero();
      assertThat(out.lines()).hasSize(3).element(1).isEqualTo("vfu4j ${vfu4jVersion}, device class ${package}.${deviceName}");
    }
  }
}

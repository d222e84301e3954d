package io.vfu4j.samples.copyengine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.runtime.cli.DeviceProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as a user runs it, in its own process. Runs in the integration-test phase
 * (failsafe), after package built {@code target/copy-engine.jar}.
 */
@Timeout(60)
class CopyEngineJarIT {
  private static final Path JAR = Path.of(System.getProperty("vfu4j.sample.jar", "target/copy-engine.jar"));
  private static final Duration START = Duration.ofSeconds(20);

  @Test
  void servesTheSocketToBothKindsOfClientAndRemovesItOnSigterm(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("ce.sock");
    Path stderr = dir.resolve("stderr.txt");
    try (DeviceProcess device = DeviceProcess.start(JAR, stderr, "--socket", socket.toString())) {
      device.awaitListening(socket, START);
      try (CopyEngineDriver driver = CopyEngineDriver.connect(socket, false)) {
        assertThat(driver.client().negotiatedIommu()).isNull();
        assertThat(driver.read32(CopyEngineDevice.ID)).isEqualTo(0xce01_0100);
      }
      try (CopyEngineDriver driver = CopyEngineDriver.connect(socket, true)) {
        assertThat(driver.client().negotiatedIommu().pri()).as("the next client negotiates afresh").isTrue();
      }
      assertThat(device.terminate(START)).as("exit status after SIGTERM (128 + 15)").isEqualTo(143);
      assertThat(socket).doesNotExist();
    }
    assertThat(Files.readString(stderr)).contains("copy-engine listening on " + socket);
  }

  @Test
  void demoPrintsEachStep(@TempDir Path dir) throws Exception {
    try (DeviceProcess device = DeviceProcess.start(JAR, dir.resolve("stderr.txt"), "--demo")) {
      String out = new String(device.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(device.process().waitFor()).as(out).isZero();
      assertThat(out).contains("1234:ce01", "0xce010100",
          "PRI (Stopped before: yes, 16 requests allocated): device view 0x08 = 0x00100007",
          "PASID 1, 20 bytes 0x7f0000000000 -> 0x7f0000010000: SUCCESS, MSI-X vector 0 fired",
          "3 ATS_TRANSLATE, 1 PRI_PAGE_REQUEST",
          "page request 0x7f0000010000 PASID 1 (write)",
          "0x100001000 now holds \"hello from process 1\"",
          "ATS_INVALIDATE completed",
          "0x100003000 now holds \"hello from process 2\"",
          "PASID 1 again: SUCCESS; wire: 1 ATS_TRANSLATE",
          "0x100004000 now holds \"process 1 after the move\"");
    }
  }
}

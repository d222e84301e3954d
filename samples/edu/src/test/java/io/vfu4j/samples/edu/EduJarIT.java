package io.vfu4j.samples.edu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.runtime.cli.DeviceProcess;
import io.vfu4j.runtime.cli.HostSession;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
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
        host.write(0, 0x80, 8, -1L);
        host.write(0, 0x80, 4, 0x2000);
        assertThat(host.read(0, 0x80, 8)).as("the jar serves the DMA access rule").isEqualTo(0x2000L);
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
    assertThat(serveOneClient(dir, "--log-level", "WARN")).doesNotContain("listening");
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

  @Test
  void logLevelDebugShowsTheRuntimesDebugMessages(@TempDir Path dir) throws Exception {
    assertThat(serveOneClient(dir, "--log-level", "debug")).as("System.Logger -> slf4j-simple at debug")
        .contains(" DEBUG ");
  }

  /** Serves on dir/edu.sock with {@code options}, lets one client read the identity, stops; stderr. */
  private static String serveOneClient(Path dir, String... options) throws Exception {
    Path socket = dir.resolve("edu.sock");
    Path stderr = dir.resolve("stderr.txt");
    String[] args = Stream.concat(Stream.of("--socket", socket.toString()), Stream.of(options)).toArray(String[]::new);
    try (DeviceProcess device = DeviceProcess.start(JAR, stderr, args)) {
      device.awaitListening(socket, START);
      try (HostSession host = HostSession.connect(socket)) {
        assertThat(host.identity().vendorId()).isEqualTo(0x1234);
      }
      assertThat(device.terminate(START)).isEqualTo(143);
    }
    return Files.readString(stderr);
  }

  @Test
  void aSecondServerOnALiveSocketSaysSoAndLeavesTheFirstAlone(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("edu.sock");
    Path stderr = dir.resolve("second.txt");
    try (DeviceProcess first = DeviceProcess.start(JAR, dir.resolve("first.txt"), "--socket", socket.toString())) {
      first.awaitListening(socket, START);
      try (DeviceProcess second = DeviceProcess.start(JAR, stderr, "--socket", socket.toString())) {
        assertThat(second.process().waitFor()).isEqualTo(1);
      }
      assertThat(Files.readAllLines(stderr)).containsExactly("edu: another server is listening on " + socket);
      try (HostSession host = HostSession.connect(socket)) {
        assertThat(host.identity().vendorId()).as("the first still serves").isEqualTo(0x1234);
      }
      assertThat(first.terminate(START)).isEqualTo(143);
    }
  }

  @Test
  void aStaleSocketIsReplacedWithOneLogLine(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("edu.sock");
    try (ServerSocketChannel killed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      killed.bind(UnixDomainSocketAddress.of(socket)); // what a killed device leaves behind
    }
    Path stderr = dir.resolve("stderr.txt");
    try (DeviceProcess device = DeviceProcess.start(JAR, stderr, "--socket", socket.toString())) {
      device.awaitListening(socket, START);
      assertThat(device.terminate(START)).isEqualTo(143);
    }
    assertThat(Files.readAllLines(stderr).stream().filter(l -> l.contains("stale")))
        .singleElement().asString().contains("replaced stale socket " + socket);
  }

  @Test
  void aDirectoryOrRegularFileAtThePathIsOnePreciseLine(@TempDir Path dir) throws Exception {
    Path directory = Files.createDirectory(dir.resolve("a-dir"));
    Path file = Files.writeString(dir.resolve("a-file"), "keep me");
    for (var c : List.of(List.of(directory, directory + " is a directory, not a socket"),
        List.of(file, file + " is a regular file, not a socket; remove it or choose another path"))) {
      Path stderr = dir.resolve("stderr.txt");
      try (DeviceProcess device = DeviceProcess.start(JAR, stderr, "--socket", c.get(0).toString())) {
        assertThat(device.process().waitFor()).isEqualTo(1);
      }
      assertThat(Files.readAllLines(stderr)).containsExactly("edu: " + c.get(1));
    }
    assertThat(Files.readString(file)).isEqualTo("keep me");
  }

  @Test
  void theSocketIsOwnerOnlyEvenUnderUmask000AndGroupOnRequest(@TempDir Path dir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String group = Files.readAttributes(dir, java.nio.file.attribute.PosixFileAttributes.class).group().getName();
    for (var c : List.of(List.of("", "rw-------"), List.of("--socket-group " + group, "rw-rw----"))) {
      Path socket = dir.resolve("edu.sock");
      Process device = new ProcessBuilder("sh", "-c", "umask 000; exec \"$0\" -jar \"$1\" --socket \"$2\" " + c.get(0),
          java, JAR.toString(), socket.toString()).redirectErrorStream(true).start();
      try {
        while (!Files.exists(socket)) {
          assertThat(device.isAlive()).isTrue();
          Thread.sleep(10);
        }
        Thread.sleep(100); // the mode is set right after bind
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo(c.get(1));
      } finally {
        device.destroy();
        device.waitFor();
      }
    }
  }

  @Test
  void versionIsTheSameThreeLinesAsInEveryDeviceJar() throws Exception {
    List<String> lines = output(System.getProperty("java.home") + "/bin/java", "-jar", JAR.toString(), "--version");
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).isEqualTo("edu " + System.getProperty("vfu4j.version", "0.1.0-SNAPSHOT"));
    assertThat(lines.get(1)).isEqualTo("vfu4j " + System.getProperty("vfu4j.version", "0.1.0-SNAPSHOT")
        + ", device class io.vfu4j.samples.edu.EduDevice");
    assertThat(lines.get(2)).startsWith("Java " + Runtime.version());
  }

  @Test
  void anOlderJavaGetsOneLine() throws Exception {
    Path old;
    try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
      old = jvms.map(p -> p.resolve("bin/java")).filter(Files::isExecutable)
          .filter(p -> !p.toString().contains("-25")).findFirst().orElse(null);
    } catch (java.io.IOException none) {
      old = null;
    }
    Assumptions.assumeTrue(old != null, "no Java older than 25 installed");
    List<String> lines = output(old.toString(), "-jar", JAR.toString(), "--demo");
    assertThat(lines).singleElement().asString().startsWith("edu.jar needs Java 25 or newer, but runs on Java ");
  }

  private static List<String> output(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out.lines().toList();
  }
}

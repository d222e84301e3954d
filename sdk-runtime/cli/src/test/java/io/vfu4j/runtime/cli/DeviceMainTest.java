package io.vfu4j.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.api.DeviceContext;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import io.vfu4j.runtime.spi.DeviceLayout;
import io.vfu4j.runtime.spi.DeviceModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Option;

@Timeout(10)
class DeviceMainTest {
  /** The CLI never reaches the device in these tests: only name and class are used. */
  static final DeviceDescriptor DEVICE = new DeviceDescriptor() {
    @Override
    public String name() {
      return "widget";
    }

    @Override
    public String deviceClassName() {
      return "com.example.Widget";
    }

    @Override
    public DeviceLayout layout() {
      throw new AssertionError("the CLI must not need the layout here");
    }

    @Override
    public DeviceModel create(DeviceContext context, List<MemorySegment> memory) {
      throw new AssertionError("the CLI must not create a device here");
    }
  };

  static final class WidgetOptions implements DeviceExtension {
    @Option(names = "--colour", description = "Paint the widget.")
    String colour;
  }

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(DeviceExtension extension, String... args) {
    return DeviceMain.run(args, DEVICE, extension,
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private List<String> errLines() {
    return err.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void helpListsCommonAndDeviceOptions() {
    assertThat(run(new WidgetOptions(), "--help")).isZero();
    assertThat(out()).startsWith("Usage: widget")
        .contains("--socket=PATH", "--log-level=LEVEL", "--demo", "--version", "--colour");
  }

  @Test
  void versionNamesTheDevice() {
    assertThat(run(DeviceExtension.NONE, "--version")).isZero();
    assertThat(out()).startsWith("widget ").contains("com.example.Widget");
  }

  @Test
  void missingSocketIsOneUsageLine() {
    assertThat(run(DeviceExtension.NONE)).isEqualTo(DeviceMain.EXIT_USAGE);
    assertThat(errLines()).singleElement().asString().startsWith("widget: ").contains("--socket");
  }

  @Test
  void unknownLogLevelIsRefused() {
    assertThat(run(DeviceExtension.NONE, "--socket", "/tmp/x.sock", "--log-level", "loud"))
        .isEqualTo(DeviceMain.EXIT_USAGE);
    assertThat(errLines()).singleElement().asString().contains("loud");
  }

  @Test
  void missingDirectoryIsOneClearLine(@TempDir Path dir) {
    Path socket = dir.resolve("no/such/dir/widget.sock");
    assertThat(run(DeviceExtension.NONE, "--socket", socket.toString())).isEqualTo(DeviceMain.EXIT_FAILURE);
    assertThat(errLines()).singleElement().asString()
        .isEqualTo("widget: directory " + socket.getParent() + " does not exist");
  }

  @Test
  void existingFileIsOneClearLine(@TempDir Path dir) throws Exception {
    Path socket = Files.createFile(dir.resolve("widget.sock"));
    assertThat(run(DeviceExtension.NONE, "--socket", socket.toString())).isEqualTo(DeviceMain.EXIT_FAILURE);
    assertThat(errLines()).singleElement().asString()
        .isEqualTo("widget: " + socket + " is a regular file, not a socket; remove it or choose another path");
    assertThat(socket).exists();
  }

  @Test
  void directoryIsOneClearLine(@TempDir Path dir) throws Exception {
    Path socket = Files.createDirectory(dir.resolve("widget.sock"));
    assertThat(run(DeviceExtension.NONE, "--socket", socket.toString())).isEqualTo(DeviceMain.EXIT_FAILURE);
    assertThat(errLines()).singleElement().asString().isEqualTo("widget: " + socket + " is a directory, not a socket");
  }

  @Test
  void aListeningServerIsNotDisturbed(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("widget.sock");
    try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      other.bind(UnixDomainSocketAddress.of(socket));
      assertThat(run(DeviceExtension.NONE, "--socket", socket.toString())).isEqualTo(DeviceMain.EXIT_FAILURE);
      assertThat(errLines()).singleElement().asString().isEqualTo("widget: another server is listening on " + socket);
      assertThat(socket).exists();
    }
  }

  @Test
  void versionHasTheSameThreeLinesEverywhere() {
    assertThat(run(DeviceExtension.NONE, "--version")).isZero();
    assertThat(out().lines().toList()).hasSize(3).satisfies(lines -> {
      assertThat(lines.get(0)).isEqualTo("widget (development build)");
      assertThat(lines.get(1)).isEqualTo("vfu4j " + DeviceMain.SDK_VERSION + ", device class com.example.Widget");
      assertThat(lines.get(2)).startsWith("Java " + Runtime.version());
    });
    assertThat(DeviceMain.SDK_VERSION).as("filled in from the build").matches("\\d+\\.\\d+\\.\\d+.*");
  }

  @Test
  void overlongPathIsOneClearLine(@TempDir Path dir) {
    Path socket = dir.resolve("s".repeat(120) + ".sock");
    assertThat(run(DeviceExtension.NONE, "--socket", socket.toString())).isEqualTo(DeviceMain.EXIT_FAILURE);
    assertThat(errLines()).singleElement().asString().contains("at most 107");
  }

  @Test
  void demoWithoutDemoIsRefused() {
    assertThat(run(DeviceExtension.NONE, "--demo")).isEqualTo(DeviceMain.EXIT_FAILURE);
    assertThat(errLines()).singleElement().asString().isEqualTo("widget: this device has no demo");
  }

  @Test
  void demoAndSocketExcludeEachOther() {
    assertThat(run(DeviceExtension.NONE, "--demo", "--socket", "/tmp/x.sock")).isEqualTo(DeviceMain.EXIT_USAGE);
    assertThat(errLines()).singleElement();
  }
}

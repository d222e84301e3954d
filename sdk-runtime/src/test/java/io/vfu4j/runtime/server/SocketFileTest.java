package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.sys.Native;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the server does with what is already at its socket path, and the socket's mode. */
@Timeout(20)
@SuppressWarnings("try") // a server only has to be open while the test looks at its socket
class SocketFileTest {
  @TempDir
  Path dir;

  private VfioUserServer start(Path socket) throws Exception {
    return VfioUserServer.start(new TestDevice.Descriptor(), socket);
  }

  @Test
  void aStaleSocketIsReplacedWithOneLogLine() throws Exception {
    Path socket = dir.resolve("dev.sock");
    try (ServerSocketChannel gone = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      gone.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists();
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (VfioUserServer server = start(socket);
        VfioUserClient client = VfioUserClient.open(socket)) {
      assertThat(client.read(0, 0, 4)).isEqualTo(TestDevice.ID);
    } finally {
      System.setErr(stderr);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("stale socket")))
        .singleElement().asString().contains(socket.toString());
  }

  @Test
  void aSocketAnotherServerListensOnIsRefusedAndKept() throws Exception {
    Path socket = dir.resolve("dev.sock");
    try (VfioUserServer first = start(socket)) {
      assertThatThrownBy(() -> start(socket)).isInstanceOf(SocketPathException.class)
          .hasMessage("another server is listening on " + socket);
      try (VfioUserClient client = VfioUserClient.open(socket)) {
        assertThat(client.read(0, 0, 4)).as("the first server still serves").isEqualTo(TestDevice.ID);
      }
    }
  }

  @Test
  void aDirectoryOrRegularFileIsRefusedPrecisely() throws Exception {
    Path directory = Files.createDirectory(dir.resolve("a-dir"));
    assertThatThrownBy(() -> start(directory)).isInstanceOf(SocketPathException.class)
        .hasMessage(directory + " is a directory, not a socket");
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    assertThatThrownBy(() -> start(file)).isInstanceOf(SocketPathException.class)
        .hasMessage(file + " is a regular file, not a socket; remove it or choose another path");
    assertThat(Files.readString(file)).isEqualTo("x");
  }

  @Test
  void theSocketIsOwnerOnlyWhateverTheUmask() throws Exception {
    Path socket = dir.resolve("dev.sock");
    int previous = Native.umask(0);
    try (VfioUserServer server = start(socket)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
    } finally {
      Native.umask(previous);
    }
    assertThat(Native.umask(previous)).as("the umask is restored").isEqualTo(previous);
  }

  @Test
  void aGroupMayBeAllowed() throws Exception {
    Path socket = dir.resolve("dev.sock");
    String group = Files.readAttributes(dir, java.nio.file.attribute.PosixFileAttributes.class).group().getName();
    try (VfioUserServer server = VfioUserServer.start(new TestDevice.Descriptor(), socket, ServerOptions.defaults(),
        SocketAccess.group(group))) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
      assertThat(Files.readAttributes(socket, java.nio.file.attribute.PosixFileAttributes.class).group().getName())
          .isEqualTo(group);
    }
  }
}

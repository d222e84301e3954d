package io.vfu4j.samples.gpio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The line protocol's transports; the commands themselves are tested in {@link Idio16Test}. */
@Timeout(10)
class ControlSocketTest {
  @Test
  @SuppressWarnings("try") // the control socket only has to be open while the client talks
  void answersEachLineOnTheSocketAndRemovesItWhenClosed(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("control.sock");
    try (ControlSocket socket = ControlSocket.open(path, new Idio16Control());
        SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      client.connect(UnixDomainSocketAddress.of(path));
      PrintWriter writer = new PrintWriter(Channels.newOutputStream(client), true, StandardCharsets.UTF_8);
      BufferedReader reader = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
      writer.println("help");
      assertThat(reader.readLine()).isEqualTo(Idio16Control.HELP);
      writer.println("get");
      assertThat(reader.readLine()).isEqualTo("error: the device is not running yet");
    }
    assertThat(path).doesNotExist();
  }

  @Test
  void servesAStreamUntilItEnds() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ControlSocket.serve(new ByteArrayInputStream("help\nnope\n".getBytes(StandardCharsets.UTF_8)), out, new Idio16Control());
    assertThat(out.toString(StandardCharsets.UTF_8).lines())
        .containsExactly(Idio16Control.HELP, "error: unknown command 'nope'; " + Idio16Control.HELP);
  }
}

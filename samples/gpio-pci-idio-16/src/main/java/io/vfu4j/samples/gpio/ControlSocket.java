package io.vfu4j.samples.gpio;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serves {@link Idio16Control}'s line protocol on a UNIX socket (try {@code socat - UNIX:PATH})
 * or on standard input. One thread per connection; a closed server removes its socket file.
 */
final class ControlSocket implements AutoCloseable {
  private final Path path;
  private final ServerSocketChannel server;

  private ControlSocket(Path path, ServerSocketChannel server) {
    this.path = path;
    this.server = server;
  }

  /** Binds {@code path} (which must not exist) and starts accepting. */
  static ControlSocket open(Path path, Idio16Control control) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(path));
    } catch (IOException e) {
      server.close();
      throw e;
    }
    ControlSocket socket = new ControlSocket(path, server);
    Thread.ofPlatform().daemon().name("pci-idio-16-control").start(() -> socket.accept(control));
    return socket;
  }

  private void accept(Idio16Control control) {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        Thread.ofVirtual().name("pci-idio-16-control-client").start(() -> {
          try (client) {
            serve(Channels.newInputStream(client), Channels.newOutputStream(client), control);
          } catch (IOException | UncheckedIOException e) {
            // The client went away; nothing to clean up.
          }
        });
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  /** Answers each line of {@code in} on {@code out} until end of input. */
  static void serve(java.io.InputStream in, OutputStream out, Idio16Control control) throws IOException {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    PrintWriter writer = new PrintWriter(out, true, StandardCharsets.UTF_8);
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      writer.println(control.execute(line));
    }
  }

  /** Serves standard input/output on a daemon thread, until standard input ends. */
  static void serveStandardInput(Idio16Control control) {
    Thread.ofPlatform().daemon().name("pci-idio-16-stdin").start(() -> {
      try {
        serve(System.in, System.out, control);
      } catch (IOException e) {
        // Standard input closed.
      }
    });
  }

  @Override
  public void close() throws IOException {
    server.close();
    Files.deleteIfExists(path);
  }
}

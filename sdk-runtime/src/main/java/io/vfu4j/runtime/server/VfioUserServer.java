package io.vfu4j.runtime.server;

import io.vfu4j.runtime.spi.DeviceDescriptor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;

/**
 * A vfio-user server for one device on one UNIX socket. Serves one client at a time; when a
 * client goes, the next may connect. Several servers may run in one JVM.
 *
 * <p>Threads: one platform thread accepts and then reads the current client's messages; the
 * device's own single thread runs every device-visible operation in arrival order.
 */
public final class VfioUserServer implements AutoCloseable {
  private final Path socketPath;
  private final DeviceHost host;
  private final ServerOptions options;
  private final AFUNIXServerSocket server;
  private final Thread acceptor;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile Connection current;

  private VfioUserServer(Path socketPath, DeviceHost host, ServerOptions options, AFUNIXServerSocket server) {
    this.socketPath = socketPath;
    this.host = host;
    this.options = options;
    this.server = server;
    this.acceptor = new Thread(this::acceptLoop, "vfu4j-server-" + socketPath.getFileName());
    acceptor.setDaemon(true);
  }

  /**
   * Creates the device, binds {@code socketPath} and starts accepting. The path must be free or
   * a stale socket (replaced); see {@link #start(DeviceDescriptor, Path, ServerOptions, SocketAccess)}.
   */
  public static VfioUserServer start(DeviceDescriptor descriptor, Path socketPath) throws IOException {
    return start(descriptor, socketPath, ServerOptions.defaults());
  }

  /** As {@link #start(DeviceDescriptor, Path)}, with options. */
  public static VfioUserServer start(DeviceDescriptor descriptor, Path socketPath, ServerOptions options)
      throws IOException {
    return start(descriptor, socketPath, options, SocketAccess.OWNER);
  }

  /**
   * As {@link #start(DeviceDescriptor, Path, ServerOptions)}, with who may connect. A stale socket
   * at the path (nobody listening) is replaced, with one log line.
   *
   * @throws SocketPathException when another server listens on the path, or it is a directory
   *     or a regular file
   */
  public static VfioUserServer start(DeviceDescriptor descriptor, Path socketPath, ServerOptions options,
      SocketAccess access) throws IOException {
    Path path = socketPath.toAbsolutePath();
    AFUNIXServerSocket server = SocketFile.bind(path, access);
    DeviceHost host;
    try {
      host = new DeviceHost(descriptor);
    } catch (RuntimeException | Error e) {
      server.close();
      Files.deleteIfExists(path);
      throw e;
    }
    VfioUserServer s = new VfioUserServer(path, host, options, server);
    s.acceptor.start();
    return s;
  }

  /** The socket path this server listens on. */
  public Path socketPath() {
    return socketPath;
  }

  /** The device thread's view of this server, for runtime parts that need it (tests, FLR). */
  DeviceHost host() {
    return host;
  }

  private void acceptLoop() {
    try {
      while (!closed.get()) {
        AFUNIXSocket client;
        try {
          client = server.accept();
        } catch (SocketException e) {
          break;
        }
        Connection c = new Connection(host, options, client);
        current = c;
        if (closed.get()) {
          c.wake();
        }
        c.serve();
        current = null;
      }
    } catch (IOException e) {
      if (!closed.get()) {
        host.log().log(Level.ERROR, "accepting clients failed", e);
      }
    } finally {
      close();
    }
  }

  /** Blocks until {@link #close()} has completed. */
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }

  /** Stops accepting, drops the client, removes the socket file. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    Connection c = current;
    if (c != null) {
      c.wake();
    }
    try {
      Files.deleteIfExists(socketPath);
    } catch (IOException e) {
      host.log().log(Level.WARNING, "cannot remove " + socketPath, e);
    }
    if (Thread.currentThread() != acceptor) {
      try {
        acceptor.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    host.close();
    terminated.countDown();
  }
}

package io.vfu4j.runtime.server;

import io.vfu4j.runtime.spi.DeviceDescriptor;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A vfio-user server for one device on one UNIX socket. Serves one client at a time; when a
 * client goes, the next may connect. Several servers may run in one JVM.
 *
 * <p>Contract for the CLI (signatures fixed; implementation: issue 2).
 */
public final class VfioUserServer implements AutoCloseable {
  private VfioUserServer() {}

  /** Creates the device, binds {@code socketPath} (which must not exist) and starts accepting. */
  public static VfioUserServer start(DeviceDescriptor descriptor, Path socketPath) throws IOException {
    throw new UnsupportedOperationException("TODO(issue 2)");
  }

  /** The socket path this server listens on. */
  public Path socketPath() {
    throw new UnsupportedOperationException("TODO(issue 2)");
  }

  /** Blocks until {@link #close()} has completed. */
  public void awaitTermination() throws InterruptedException {
    throw new UnsupportedOperationException("TODO(issue 2)");
  }

  /** Stops accepting, drops the client, removes the socket file. Idempotent. */
  @Override
  public void close() {
    throw new UnsupportedOperationException("TODO(issue 2)");
  }
}

package io.vfu4j.runtime.server;

import io.vfu4j.runtime.sys.Native;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Creating a server's listening socket file. What is already at the path decides: nothing is
 * fine; a socket another server listens on is refused; a stale socket (nobody listening) is
 * replaced, with one log line; anything else (a directory, a regular file) is refused. The socket
 * gets mode 0600 whatever the process umask, or 0660 with a group ({@link SocketAccess}), before
 * anyone can connect.
 */
final class SocketFile {
  private static final System.Logger LOG = System.getLogger(SocketFile.class.getName());

  private SocketFile() {}

  /**
   * Binds and listens on {@code path} (absolute), then sets the socket's mode: 0600, or 0660 and
   * the group. bind(2) runs under a umask of 0177, so the file is never wider than 0600 where the
   * kernel's mode applies; the explicit mode afterwards makes the result the same whatever the
   * umask and whatever mode the socket library gave the file.
   */
  static AFUNIXServerSocket bind(Path path, SocketAccess access) throws IOException {
    clear(path);
    AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
    try {
      int previous = Native.umask(0177);
      try {
        server.bind(AFUNIXSocketAddress.of(path), 1);
      } finally {
        Native.umask(previous);
      }
      PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
      if (access.group() != null) {
        GroupPrincipal group = path.getFileSystem().getUserPrincipalLookupService()
            .lookupPrincipalByGroupName(access.group());
        view.setGroup(group);
      }
      view.setPermissions(PosixFilePermissions.fromString(access.group() == null ? "rw-------" : "rw-rw----"));
      return server;
    } catch (IOException | RuntimeException e) {
      server.close();
      Files.deleteIfExists(path);
      throw e;
    }
  }

  /** Makes room for the socket, or explains in the exception's message why not. */
  private static void clear(Path path) throws IOException {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException absent) {
      return;
    }
    if (attributes.isDirectory()) {
      throw new SocketPathException(path, path + " is a directory, not a socket");
    }
    if (attributes.isRegularFile()) {
      throw new SocketPathException(path, path + " is a regular file, not a socket; remove it or choose another path");
    }
    if (attributes.isSymbolicLink()) {
      throw new SocketPathException(path, path + " is a symbolic link, not a socket; remove it or choose another path");
    }
    if (!attributes.isOther()) {
      throw new SocketPathException(path, path + " exists and is not a socket; remove it or choose another path");
    }
    if (listening(path)) {
      throw new SocketPathException(path, "another server is listening on " + path);
    }
    Files.delete(path);
    LOG.log(Level.INFO, "replaced stale socket {0} (no server was listening on it)", path);
  }

  /** True when a server accepts connections on {@code path}; the probe connection is closed at once. */
  private static boolean listening(Path path) throws IOException {
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
      return true;
    } catch (java.net.ConnectException refused) {
      return false;
    } catch (java.net.SocketException e) {
      if (e.getMessage() != null && e.getMessage().contains("Connection refused")) {
        return false;
      }
      throw new SocketPathException(path, "cannot tell whether a server listens on " + path + ": " + e.getMessage());
    }
  }
}

package io.vfu4j.runtime.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Checks a socket path before binding, so that a mistake gives one clear sentence. What already
 * exists at the path is the server's to judge when it binds (a stale socket is replaced; another
 * server, a directory or a regular file is refused).
 */
public final class SocketPaths {
  /** sun_path holds 108 bytes including the terminating NUL. */
  static final int MAX_PATH_BYTES = 107;

  private SocketPaths() {}

  /** Why {@code socket} cannot be bound, or empty when it looks fine. */
  public static Optional<String> problem(Path socket) {
    Path absolute = socket.toAbsolutePath();
    int length = absolute.toString().getBytes(StandardCharsets.UTF_8).length;
    if (length > MAX_PATH_BYTES) {
      return Optional.of("socket path " + absolute + " is " + length
          + " bytes long; UNIX sockets allow at most " + MAX_PATH_BYTES);
    }
    Path directory = absolute.getParent();
    if (directory == null || !Files.isDirectory(directory)) {
      return Optional.of("directory " + directory + " does not exist");
    }
    if (!Files.isWritable(directory)) {
      return Optional.of("directory " + directory + " is not writable");
    }
    return Optional.empty();
  }
}

package io.vfu4j.runtime.server;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;

/**
 * Something at the socket path keeps the server from binding it, for a reason the user can fix:
 * another server listens there, or it is a directory or a regular file. The message is one whole
 * sentence naming the path.
 */
public final class SocketPathException extends FileAlreadyExistsException {
  private static final long serialVersionUID = 1L;

  public SocketPathException(Path path, String sentence) {
    super(path.toString(), null, sentence);
  }

  /** The whole sentence, e.g. {@code another server is listening on /tmp/edu.sock}. */
  @Override
  public String getMessage() {
    return getReason();
  }
}

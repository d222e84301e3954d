package io.vfu4j.runtime.server;

/**
 * Who may connect to a server's socket. The socket file is created with mode 0600 (the owner
 * only) whatever the process umask; with a group it becomes 0660 and belongs to that group, so
 * a VMM running as another user of the group can connect.
 *
 * @param group the group name, or null for the owner only
 */
public record SocketAccess(String group) {
  /** Mode 0600: only the user the device runs as. */
  public static final SocketAccess OWNER = new SocketAccess(null);

  public SocketAccess {
    if (group != null && group.isBlank()) {
      throw new IllegalArgumentException("group must not be blank");
    }
  }

  /** Mode 0660 and group {@code group}. */
  public static SocketAccess group(String group) {
    return new SocketAccess(group);
  }
}

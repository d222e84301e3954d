package io.vfu4j.runtime.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What an fd number refers to, read from /proc/self/fd (for checks and tests). */
public final class FdInfo {
  private FdInfo() {}

  /** The /proc path of fd {@code fd} of this process. */
  public static Path procPath(int fd) {
    return Path.of("/proc/self/fd/" + fd);
  }

  /** The link target of fd {@code fd} ("anon_inode:[eventfd]", "/memfd:x (deleted)"), or null if closed. */
  public static String describe(int fd) {
    try {
      return Files.readSymbolicLink(procPath(fd)).toString();
    } catch (IOException e) {
      return null;
    }
  }

  /** True if {@code fd} is open and is an eventfd. */
  public static boolean isEventFd(int fd) {
    return "anon_inode:[eventfd]".equals(describe(fd));
  }

  /** True if {@code fd} is open. */
  public static boolean isOpen(int fd) {
    return describe(fd) != null;
  }
}

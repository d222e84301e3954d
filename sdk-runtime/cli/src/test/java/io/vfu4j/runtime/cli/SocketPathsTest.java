package io.vfu4j.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketPathsTest {
  @Test
  void freshPathInWritableDirectoryIsFine(@TempDir Path dir) {
    assertThat(SocketPaths.problem(dir.resolve("a.sock"))).isEmpty();
  }

  @Test
  void relativePathIsResolved() {
    assertThat(SocketPaths.problem(Path.of("surely-not-here-" + ProcessHandle.current().pid() + ".sock"))).isEmpty();
  }

  @Test
  void readOnlyDirectoryIsReported(@TempDir Path dir) throws Exception {
    assumeFalse("root".equals(System.getProperty("user.name")), "root may write anywhere");
    Path locked = Files.createDirectory(dir.resolve("locked"));
    Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-x------"));
    try {
      assertThat(SocketPaths.problem(locked.resolve("a.sock"))).hasValue("directory " + locked + " is not writable");
    } finally {
      Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void pathOfExactlyTheLimitIsFine(@TempDir Path dir) {
    int room = SocketPaths.MAX_PATH_BYTES - dir.toString().length() - 1;
    assertThat(SocketPaths.problem(dir.resolve("x".repeat(room)))).isEmpty();
    assertThat(SocketPaths.problem(dir.resolve("x".repeat(room + 1)))).isPresent();
  }
}

package io.vfu4j.guest;

import io.vfu4j.runtime.cli.DeviceProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A sample device jar serving a socket for one guest run, as a user starts it
 * ({@code java -jar samples/NAME/target/NAME.jar --socket PATH ...}); its log (standard error)
 * goes to a file that failure reports include.
 */
final class SampleServer implements AutoCloseable {
  private static final Duration START = Duration.ofSeconds(30);

  private final String name;
  private final Path socket;
  private final Path log;
  private final DeviceProcess process;

  private SampleServer(String name, Path socket, Path log, DeviceProcess process) {
    this.name = name;
    this.socket = socket;
    this.log = log;
    this.process = process;
  }

  /** Starts sample {@code name} on {@code dir/NAME.sock} with {@code extraArgs}; waits until it listens. */
  static SampleServer start(GuestEnvironment environment, String name, Path dir, String... extraArgs)
      throws IOException, InterruptedException {
    Path socket = dir.resolve(name + ".sock");
    Path log = dir.resolve(name + "-server.log");
    List<String> args = new ArrayList<>(List.of("--socket", socket.toString()));
    args.addAll(List.of(extraArgs));
    DeviceProcess process = DeviceProcess.start(environment.sampleJar(name), log, args.toArray(String[]::new));
    try {
      process.awaitListening(socket, START);
    } catch (IOException e) {
      process.close();
      throw new IOException(e.getMessage() + "; server log:\n" + Files.readString(log), e);
    }
    return new SampleServer(name, socket, log, process);
  }

  /** The socket QEMU connects to (a host path). */
  Path socket() {
    return socket;
  }

  /** Everything the server has logged so far. */
  String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "[cannot read " + log + ": " + e + "]";
    }
  }

  /** Whether the server process is still running. */
  boolean alive() {
    return process.process().isAlive();
  }

  /** A report for a failure: the last lines of the server's log. */
  String report() {
    List<String> lines = log().lines().toList();
    int from = Math.max(0, lines.size() - 100);
    StringBuilder out = new StringBuilder("server '").append(name).append("' (")
        .append(alive() ? "running" : "exited").append("), log:\n");
    if (from > 0) {
      out.append("    … ").append(from).append(" earlier lines\n");
    }
    lines.subList(from, lines.size()).forEach(line -> out.append("    | ").append(line).append('\n'));
    return out.toString();
  }

  @Override
  public void close() {
    try {
      process.terminate(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      process.close();
    }
  }
}

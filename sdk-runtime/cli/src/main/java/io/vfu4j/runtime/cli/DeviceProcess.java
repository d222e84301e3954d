package io.vfu4j.runtime.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A device jar running as a separate process, started with the same Java as the caller: for
 * tests and tools that must see the jar exactly as a user runs it (manifest, shading, signals).
 */
public final class DeviceProcess implements AutoCloseable {
  private final Process process;

  private DeviceProcess(Process process) {
    this.process = process;
  }

  /**
   * Starts {@code java -jar jar args...}; standard error goes to {@code stderr} (a file), or is
   * inherited when null.
   */
  public static DeviceProcess start(Path jar, Path stderr, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(javaLauncher());
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    if (stderr != null) {
      builder.redirectError(stderr.toFile());
    } else {
      builder.redirectError(ProcessBuilder.Redirect.INHERIT);
    }
    return new DeviceProcess(builder.start());
  }

  private static String javaLauncher() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The process, for its standard streams and exit status. */
  public Process process() {
    return process;
  }

  /**
   * Waits until {@code path} exists (the device listens), failing early if the process ends.
   *
   * @throws IOException when the process ended or the time ran out
   */
  public void awaitFile(Path path, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Files.exists(path)) {
      if (!process.isAlive()) {
        throw new IOException("the device exited with status " + process.exitValue() + " before " + path + " appeared");
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(path + " did not appear within " + timeout);
      }
      Thread.sleep(10);
    }
  }

  /**
   * Waits until the device accepts connections on {@code socket}: the file appears at bind, a
   * moment before the server listens, so this probes with a connection (closed at once; the
   * server then waits for the next client).
   */
  public void awaitListening(Path socket, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    awaitFile(socket, timeout);
    while (true) {
      try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        probe.connect(UnixDomainSocketAddress.of(socket));
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          throw new IOException("the device does not accept connections on " + socket, notYet);
        }
        Thread.sleep(10);
      }
    }
  }

  /** Sends SIGTERM and waits for the exit status; -1 when it did not exit in time. */
  public int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  /** Kills the process if it still runs. */
  @Override
  public void close() {
    process.destroyForcibly();
  }
}

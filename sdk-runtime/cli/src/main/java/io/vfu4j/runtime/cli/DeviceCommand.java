package io.vfu4j.runtime.cli;

import io.vfu4j.runtime.server.ServerOptions;
import io.vfu4j.runtime.server.SocketAccess;
import io.vfu4j.runtime.server.SocketPathException;
import io.vfu4j.runtime.server.VfioUserServer;
import io.vfu4j.runtime.spi.DeviceDescriptor;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The options every device jar shares, and what they do. */
@Command(mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
    description = "Serves this PCI device over vfio-user on a UNIX socket (QEMU: -device vfio-user-pci).")
final class DeviceCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--socket", paramLabel = "PATH",
      description = "UNIX socket to listen on, created with mode 0600; a stale socket there is replaced. Required unless --demo.")
  Path socket;

  @Option(names = "--socket-group", paramLabel = "GROUP",
      description = "Also let members of GROUP connect: the socket gets mode 0660 and this group.")
  String socketGroup;

  @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
      description = "trace, debug, info, warn, error or off (default: ${DEFAULT-VALUE}).")
  LogLevel logLevel;

  @Option(names = "--demo",
      description = "Run the device against the built-in host client and print what happens.")
  boolean demo;

  private final DeviceDescriptor descriptor;
  private final DeviceExtension extension;
  private final PrintStream out;

  DeviceCommand(DeviceDescriptor descriptor, DeviceExtension extension, PrintStream out) {
    this.descriptor = descriptor;
    this.extension = extension;
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    if (demo && socket != null) {
      throw new ParameterException(spec.commandLine(), "--demo and --socket exclude each other");
    }
    if (!demo && socket == null) {
      throw new ParameterException(spec.commandLine(), "Missing required option '--socket=PATH' (or --demo)");
    }
    logLevel.apply();
    DeviceDescriptor served = Descriptors.onCreate(descriptor, extension::created);
    return demo ? demo(served) : serve(served);
  }

  private int serve(DeviceDescriptor served) throws Exception {
    SocketPaths.problem(socket).ifPresent(problem -> {
      throw new StartupFailure(problem);
    });
    VfioUserServer server = start(served, socket,
        socketGroup == null ? SocketAccess.OWNER : SocketAccess.group(socketGroup));
    AutoCloseable extras;
    try {
      extras = extension.started(server.socketPath());
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
    Thread hook = new Thread(() -> shutDown(server, extras), descriptor.name() + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    log().log(Level.INFO, "{0} listening on {1}", descriptor.name(), server.socketPath());
    server.awaitTermination();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or ran: it closes everything.
    }
    shutDown(server, extras);
    return 0;
  }

  private int demo(DeviceDescriptor served) throws Exception {
    if (!extension.hasDemo()) {
      throw new StartupFailure("this device has no demo");
    }
    Path directory = Files.createTempDirectory("vfu4j-demo");
    Path demoSocket = directory.resolve(descriptor.name() + ".sock");
    try (VfioUserServer server = start(served, demoSocket, SocketAccess.OWNER)) {
      extension.demo(server.socketPath(), out);
    } finally {
      Files.deleteIfExists(demoSocket);
      Files.deleteIfExists(directory);
    }
    return 0;
  }

  private static VfioUserServer start(DeviceDescriptor served, Path socket, SocketAccess access) {
    try {
      return VfioUserServer.start(served, socket, ServerOptions.defaults(), access);
    } catch (SocketPathException e) {
      throw new StartupFailure(e.getMessage());
    } catch (IOException e) {
      throw new StartupFailure("cannot listen on " + socket + ": " + e.getMessage());
    }
  }

  /** Closes the device's extras first (they talk to the device), then the server. */
  private static void shutDown(VfioUserServer server, AutoCloseable extras) {
    if (extras != null) {
      try {
        extras.close();
      } catch (Exception e) {
        log().log(Level.WARNING, "closing device extras failed: {0}", e.toString());
      }
    }
    server.close();
  }

  /** Created on use, after {@code --log-level} took effect. */
  private static System.Logger log() {
    return System.getLogger(DeviceCommand.class.getName());
  }
}

package io.vfu4j.runtime.cli;

import io.vfu4j.runtime.spi.DeviceDescriptor;
import java.io.PrintStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Properties;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;

/**
 * The command line every device jar shares:
 *
 * <pre>
 * java -jar edu.jar --socket /tmp/edu.sock [--log-level debug]
 * java -jar edu.jar --demo
 * </pre>
 *
 * A device module's main class calls {@link #main(String[], DeviceDescriptor, DeviceExtension)};
 * a jar with exactly one device and no extras may use this class itself as its Main-Class.
 * SIGTERM and Ctrl-C close the server, which removes the socket. Problems the user can fix (a
 * bad socket path, a missing option) print one line on stderr and exit non-zero.
 */
public final class DeviceMain {
  /** Exit status for a device that could not start. */
  public static final int EXIT_FAILURE = 1;
  /** Exit status for a command-line mistake (picocli's convention). */
  public static final int EXIT_USAGE = 2;

  private DeviceMain() {}

  /** Serves the single device registered on the class path. */
  public static void main(String[] args) {
    DeviceDescriptor descriptor;
    try {
      descriptor = Descriptors.discoverSingle(DeviceMain.class.getClassLoader());
    } catch (IllegalStateException e) {
      System.err.println("vfu4j: " + e.getMessage());
      System.exit(EXIT_FAILURE);
      return;
    }
    main(args, descriptor, DeviceExtension.NONE);
  }

  /** Runs the command line and exits the JVM with its status. */
  public static void main(String[] args, DeviceDescriptor descriptor, DeviceExtension extension) {
    System.exit(run(args, descriptor, extension, System.out, System.err));
  }

  /**
   * Runs the command line without exiting: parses {@code args}, then serves until the server is
   * closed (or runs the demo). Returns the exit status.
   */
  public static int run(String[] args, DeviceDescriptor descriptor, DeviceExtension extension,
      PrintStream out, PrintStream err) {
    String name = descriptor.name();
    CommandLine commandLine = new CommandLine(new DeviceCommand(descriptor, extension, out));
    commandLine.setCommandName(name);
    commandLine.getCommandSpec().versionProvider(versionOf(descriptor));
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    if (hasPicocliAnnotations(extension.getClass())) {
      commandLine.addMixin("device", extension);
    }
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    commandLine.setParameterExceptionHandler((e, ignored) -> {
      err.println(name + ": " + e.getMessage() + " (see --help)");
      return EXIT_USAGE;
    });
    commandLine.setExecutionExceptionHandler((e, ignored, parseResult) -> {
      if (e instanceof StartupFailure) {
        err.println(name + ": " + e.getMessage());
      } else {
        err.println(name + ": " + e);
        System.getLogger(DeviceMain.class.getName()).log(System.Logger.Level.DEBUG, "failure", e);
      }
      return EXIT_FAILURE;
    });
    return commandLine.execute(args);
  }

  /**
   * {@code --version}, the same three lines in every device jar: the device and its version (the
   * jar's Implementation-Version), the vfu4j version it was built with, and the Java running it.
   */
  private static IVersionProvider versionOf(DeviceDescriptor descriptor) {
    return () -> {
      String version = descriptor.getClass().getPackage().getImplementationVersion();
      return new String[] {
        descriptor.name() + " " + (version == null ? "(development build)" : version),
        "vfu4j " + SDK_VERSION + ", device class " + descriptor.deviceClassName(),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
      };
    };
  }

  /** The vfu4j version this class was built as (a resource the build fills in). */
  static final String SDK_VERSION = sdkVersion();

  private static String sdkVersion() {
    try (InputStream in = DeviceMain.class.getResourceAsStream("vfu4j.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "(unknown version)");
    } catch (IOException e) {
      return "(unknown version)";
    }
  }

  private static boolean hasPicocliAnnotations(Class<?> type) {
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      Stream<AccessibleObject> members = Stream.concat(
          Stream.<Field>of(c.getDeclaredFields()), Stream.<Method>of(c.getDeclaredMethods()));
      if (members.anyMatch(m -> m.isAnnotationPresent(CommandLine.Option.class)
          || m.isAnnotationPresent(CommandLine.Parameters.class)
          || m.isAnnotationPresent(CommandLine.Mixin.class)
          || m.isAnnotationPresent(CommandLine.ArgGroup.class))) {
        return true;
      }
    }
    return false;
  }
}

package io.vfu4j.samples.gpio;

import io.vfu4j.api.DeviceContext;
import io.vfu4j.runtime.cli.DeviceExtension;
import io.vfu4j.runtime.cli.SocketPaths;
import io.vfu4j.runtime.cli.StartupFailure;
import io.vfu4j.runtime.spi.DeviceModel;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The card's command-line options: where its inputs are driven from. */
final class Idio16Extension implements DeviceExtension {
  @Option(names = "--control-socket", paramLabel = "PATH",
      description = "Also serve the input/output control protocol on this UNIX socket (try: socat - UNIX:PATH).")
  Path controlSocket;

  @Option(names = "--stdin-control",
      description = "Read control commands from standard input (set N 0|1, inputs VALUE, get, help).")
  boolean stdinControl;

  final Idio16Control control = new Idio16Control();

  @Override
  public DeviceModel created(DeviceModel model, DeviceContext context) {
    control.attach((Idio16Device) model.device(), context);
    return model;
  }

  @Override
  public AutoCloseable started(Path socket) throws Exception {
    if (stdinControl) {
      ControlSocket.serveStandardInput(control);
    }
    if (controlSocket == null) {
      return null;
    }
    var problem = SocketPaths.problem(controlSocket);
    if (problem.isPresent()) {
      throw new StartupFailure("--control-socket: " + problem.get());
    }
    if (Files.exists(controlSocket, LinkOption.NOFOLLOW_LINKS)) {
      throw new StartupFailure("--control-socket: " + controlSocket.toAbsolutePath()
          + " already exists; remove it or choose another path");
    }
    return ControlSocket.open(controlSocket, control);
  }

  @Override
  public boolean hasDemo() {
    return true;
  }

  @Override
  public void demo(Path socket, PrintStream out) throws Exception {
    new Idio16Demo(control, out).run(socket);
  }
}

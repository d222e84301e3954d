package io.vfu4j.guest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One guest boot: QEMU from the chroot, the Debian kernel and the test initramfs, the guest
 * tests named on the kernel command line, and the devices under test. The console (the guest's
 * serial port, QEMU's standard output) is read line by line while the guest runs, so a test can
 * react to what the guest prints ({@link #onConsole}).
 */
final class GuestVm {
  /** Where a host folder with the device sockets appears inside the chroot. */
  static final String SOCKETS = "/run/vfu4j";

  private final GuestEnvironment environment;
  private final String name;
  private final List<String> tests = new ArrayList<>();
  private final List<String> devices = new ArrayList<>();
  private final List<String> kernelArgs = new ArrayList<>();
  private final Map<Path, String> binds = new LinkedHashMap<>();
  private String machine = "q35";
  private int memoryMiB = 256;
  private boolean sharedMemory = true;
  private Consumer<String> consoleListener = line -> { };

  GuestVm(GuestEnvironment environment, String name) {
    this.environment = environment;
    this.name = name;
  }

  /** Guest tests to run, in order: guest/tests/NAME.sh each. */
  GuestVm tests(String... names) {
    tests.addAll(List.of(names));
    return this;
  }

  /** A {@code -device} argument (JSON or QEMU's key=value form). */
  GuestVm device(String device) {
    devices.add(device);
    return this;
  }

  /**
   * A vfio-user device served on {@code socket} (a host path): its folder is mounted in the
   * chroot, and the device is placed on {@code bus} when not null.
   */
  GuestVm vfioUser(Path socket, String bus) {
    String dir = SOCKETS + "/" + binds.size();
    binds.put(socket.getParent(), dir);
    String busMember = bus == null ? "" : ",\"bus\":\"" + bus + "\"";
    return device("{\"driver\":\"vfio-user-pci\",\"socket\":{\"type\":\"unix\",\"path\":\""
        + dir + "/" + socket.getFileName() + "\"}" + busMember + "}");
  }

  /** Extra arguments of the guest kernel. */
  GuestVm kernelArgs(String... args) {
    kernelArgs.addAll(List.of(args));
    return this;
  }

  /** The {@code -machine} value without the memory backend (default {@code q35}). */
  GuestVm machine(String machine) {
    this.machine = machine;
    return this;
  }

  /**
   * Whether guest RAM is a shared memfd that QEMU passes to vfio-user servers (the default), or
   * private anonymous memory that servers reach only through DMA_READ/DMA_WRITE messages.
   */
  GuestVm sharedMemory(boolean shared) {
    this.sharedMemory = shared;
    return this;
  }

  /** Called with every console line, on the thread that reads the console. */
  GuestVm onConsole(Consumer<String> listener) {
    this.consoleListener = listener;
    return this;
  }

  /** The QEMU command line inside the chroot. */
  List<String> qemuCommand() {
    List<String> command = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", environment.accelerator()));
    if (environment.accelerator().equals("kvm")) {
      command.addAll(List.of("-cpu", "host"));
    }
    command.addAll(List.of("-m", memoryMiB + "M"));
    if (sharedMemory) {
      command.addAll(List.of("-object", "memory-backend-memfd,id=mem,size=" + memoryMiB + "M,share=on",
          "-machine", machine + ",memory-backend=mem"));
    } else {
      command.addAll(List.of("-machine", machine));
    }
    command.addAll(List.of("-nodefaults", "-display", "none", "-serial", "stdio", "-monitor", "none",
        "-no-reboot", "-kernel", GuestEnvironment.KERNEL, "-initrd", GuestEnvironment.INITRAMFS));
    List<String> append = new ArrayList<>(List.of("console=ttyS0", "quiet", "panic=-1"));
    append.addAll(kernelArgs);
    append.add("vfu4j.tests=" + String.join(",", tests));
    command.addAll(List.of("-append", String.join(" ", append)));
    for (String device : devices) {
      command.addAll(List.of("-device", device));
    }
    return command;
  }

  /** Boots the guest and waits until it powers off, or kills it after {@code timeout}. */
  GuestRun run(Duration timeout) throws IOException, InterruptedException {
    List<String> qemu = qemuCommand();
    Process process = new ProcessBuilder(GuestEnvironment.inChroot(environment.chroot(), binds, qemu))
        .redirectErrorStream(true).start();
    List<String> console = Collections.synchronizedList(new ArrayList<>());
    Thread reader = Thread.ofPlatform().name("console-" + name).daemon().start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          String clean = line.replace("\r", "");
          console.add(clean);
          consoleListener.accept(clean);
        }
      } catch (IOException | RuntimeException e) {
        console.add("[console reader: " + e + "]");
      }
    });
    boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!exited) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    reader.join(TimeUnit.SECONDS.toMillis(5));
    return new GuestRun(name, String.join(" ", qemu), List.copyOf(console), exited ? process.exitValue() : -1, !exited);
  }
}

package io.vfu4j.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * What every guest test shares, prepared once per JVM: the Debian 13 chroot with QEMU and the
 * guest kernel (guest/provision.sh, cached under {@code .cache/guest} of the repository), the
 * guest's initramfs with the test modules (guest/build-initramfs.sh, rebuilt every run so a
 * changed guest test is always the one that runs), and the accelerator.
 *
 * <p>Switches (system properties, set by failsafe from the Maven properties of the same name):
 * {@code vfu4j.guest.skip=true} skips every guest test with a one-line reason, except under
 * {@code CI=true}, where a guest test that cannot run is a failure; {@code vfu4j.guest.accel}
 * is {@code auto} (KVM when a probe guest boots under it, else TCG), {@code kvm} or {@code tcg}.
 */
final class GuestEnvironment {
  /** Where the chroot sees the initramfs build's inputs and outputs. */
  static final String CHROOT_WORK = "/vfu4j";
  static final String KERNEL = CHROOT_WORK + "/out/vmlinuz";
  static final String INITRAMFS = CHROOT_WORK + "/out/initramfs.gz";

  private static GuestEnvironment instance;
  private static RuntimeException failure;

  private final Path chroot;
  private final Path samples;
  private final String accelerator;

  private GuestEnvironment(Path chroot, Path samples, String accelerator) {
    this.chroot = chroot;
    this.samples = samples;
    this.accelerator = accelerator;
  }

  /**
   * The environment, prepared on first use. Skips the calling test when the skip switch is on;
   * fails it (and every later one, with the same message) when preparing failed.
   */
  static synchronized GuestEnvironment get() {
    boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
    boolean skip = Boolean.getBoolean("vfu4j.guest.skip") || "1".equals(System.getenv("VFU4J_GUEST_SKIP"));
    if (skip && ci) {
      throw new IllegalStateException("the guest tests cannot be skipped under CI=true");
    }
    Assumptions.assumeFalse(skip, "guest tests skipped (-Dvfu4j.guest.skip=true)");
    if (failure != null) {
      throw failure;
    }
    if (instance == null) {
      try {
        instance = prepare();
      } catch (IOException | RuntimeException e) {
        failure = new IllegalStateException("guest tests cannot run: " + e.getMessage()
            + " (skip them outside CI with -Dvfu4j.guest.skip=true)", e);
        throw failure;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return instance;
  }

  private static GuestEnvironment prepare() throws IOException, InterruptedException {
    Path root = Path.of(System.getProperty("vfu4j.root", "../..")).toAbsolutePath().normalize();
    Path guestDir = Path.of(System.getProperty("vfu4j.guest.dir", "guest")).toAbsolutePath().normalize();
    Path samples = Path.of(System.getProperty("vfu4j.samples", "..")).toAbsolutePath().normalize();
    Path cache = root.resolve(".cache/guest");
    Path chroot = cache.resolve("root");

    run(List.of("bash", guestDir.resolve("provision.sh").toString(), cache.toString()),
        cache.resolve("provision-output.log"), Duration.ofMinutes(20), "provisioning (guest/provision.sh)");

    Path work = chroot.resolve(CHROOT_WORK.substring(1));
    deleteTree(work.resolve("src"));
    copyTree(guestDir, work.resolve("src"));
    run(inChroot(chroot, Map.of(), List.of("sh", CHROOT_WORK + "/src/build-initramfs.sh",
            CHROOT_WORK + "/src", CHROOT_WORK + "/out")),
        cache.resolve("initramfs-build.log"), Duration.ofMinutes(5), "building the guest initramfs");

    GuestEnvironment probe = new GuestEnvironment(chroot, samples, "tcg");
    return new GuestEnvironment(chroot, samples, probe.chooseAccelerator());
  }

  private String chooseAccelerator() throws IOException, InterruptedException {
    String wanted = System.getProperty("vfu4j.guest.accel", "auto");
    if (!wanted.equals("auto")) {
      return wanted;
    }
    Path kvm = Path.of("/dev/kvm");
    if (!Files.isReadable(kvm) || !Files.isWritable(kvm)) {
      System.out.println("guest tests: /dev/kvm is not usable here, running under TCG");
      return "tcg";
    }
    // Some hosts (nested virtualization) offer /dev/kvm but cannot run this kernel under it.
    GuestRun probe = new GuestVm(new GuestEnvironment(chroot, samples, "kvm"), "kvm-probe")
        .tests("probe").run(Duration.ofSeconds(20));
    if (probe.completed()) {
      return "kvm";
    }
    System.out.println("guest tests: a probe guest did not boot under KVM within 20 s, running under TCG");
    return "tcg";
  }

  /** The chroot's root folder, as the host sees it. */
  Path chroot() {
    return chroot;
  }

  /** A sample's runnable jar, {@code samples/NAME/target/NAME.jar}. */
  Path sampleJar(String name) {
    Path jar = samples.resolve(name).resolve("target").resolve(name + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build the samples first (./mvnw package)");
    }
    return jar;
  }

  /** {@code kvm} or {@code tcg}. */
  String accelerator() {
    return accelerator;
  }

  /**
   * A command that runs {@code command} inside the chroot, in a private mount namespace (so no
   * mount outlives it) with /dev, /proc and each host folder of {@code binds} mounted at the
   * chroot path it maps to.
   */
  static List<String> inChroot(Path chroot, Map<Path, String> binds, List<String> command) {
    StringBuilder script = new StringBuilder("set -e; r=\"$1\"; shift; ")
        .append("mount -t proc proc \"$r/proc\"; mount --bind /dev \"$r/dev\"; ");
    List<String> args = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private",
        "sh", "-c", "", "guest", chroot.toString()));
    int n = 0;
    for (Map.Entry<Path, String> bind : binds.entrySet()) {
      String host = "$B" + n;
      script.append("B").append(n).append("=\"$1\"; shift; mkdir -p \"$r").append(bind.getValue()).append("\"; ")
          .append("mount --bind \"").append(host).append("\" \"$r").append(bind.getValue()).append("\"; ");
      args.add(bind.getKey().toString());
      n++;
    }
    script.append("exec chroot \"$r\" \"$@\"");
    args.set(6, script.toString());
    args.addAll(command);
    return args;
  }

  private static void run(List<String> command, Path log, Duration timeout, String what)
      throws IOException, InterruptedException {
    Files.createDirectories(log.getParent());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(what + " did not finish within " + timeout + " (log: " + log + ")");
    }
    if (process.exitValue() != 0) {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
      throw new IOException(what + " failed with status " + process.exitValue() + " (log: " + log + "):\n" + tail);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.delete(file);
      }
    }
  }
}

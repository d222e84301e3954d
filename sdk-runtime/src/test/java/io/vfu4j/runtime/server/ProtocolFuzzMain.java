package io.vfu4j.runtime.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The protocol fuzzer for longer runs: {@code ProtocolFuzzMain [minutes] [seed] [kind]} alternates the
 * test device and the express device, runs random seeds for the given minutes (default 5) and
 * prints every failing seed (reproduce one with {@code ProtocolFuzzer.run(seed)}, see
 * docs/testing.md). Exits 1 if any case failed.
 */
public final class ProtocolFuzzMain {
  private ProtocolFuzzMain() {}

  /** Where the server's threads are when a case fails (a hang shows here). */
  private static void dumpServerThreads() {
    Thread.getAllStackTraces().forEach((t, stack) -> {
      if (t.getName().startsWith("vfu4j-")) {
        System.out.println("  thread " + t.getName() + " " + t.getState());
        for (StackTraceElement e : stack) {
          System.out.println("    at " + e);
        }
      }
    });
  }

  /** The last time a case finished; a watchdog dumps every thread when it lags (a stall in progress). */
  private static volatile long lastProgress = System.nanoTime();

  private static void startWatchdog() {
    Thread w = new Thread(() -> {
      boolean dumped = false;
      while (true) {
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
        boolean stalled = System.nanoTime() - lastProgress > 4_000_000_000L;
        if (stalled && !dumped) {
          System.out.println("STALL: no case finished for 4 s; all threads:");
          Thread.getAllStackTraces().forEach((t, stack) -> {
            System.out.println("  thread " + t.getName() + " " + t.getState());
            for (StackTraceElement e : stack) {
              System.out.println("    at " + e);
            }
          });
        }
        dumped = stalled;
      }
    }, "fuzz-watchdog");
    w.setDaemon(true);
    w.start();
  }

  public static void main(String[] args) throws Exception {
    startWatchdog();
    double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    long master = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
    String only = args.length > 2 ? args[2] : null; // one case kind, e.g. "disconnect mid-message"
    System.out.println("fuzzing for " + minutes + " min, master seed " + master);
    SplittableRandom seeds = new SplittableRandom(master);
    long end = System.nanoTime() + (long) (minutes * 60e9);
    long cases = 0, failures = 0, messages = 0;
    Path dir = Files.createTempDirectory("vfu4j-fuzz");
    for (int round = 0; System.nanoTime() < end; round++) {
      boolean testDevice = round % 2 == 0;
      Path socket = dir.resolve("fuzz-" + round + ".sock");
      try (VfioUserServer server = testDevice ? VfioUserServer.start(new TestDevice.Descriptor(), socket)
          : VfioUserServer.start(new PciTestDevice.Descriptor(ProtocolFuzzTest.expressBuilder()), socket);
          ProtocolFuzzer fuzzer = new ProtocolFuzzer(new ProtocolFuzzer.Target(server.socketPath(),
              testDevice ? TestDevice.VENDOR : 0x1234, testDevice))) {
        fuzzer.only(only);
        for (int i = 0; i < 500 && System.nanoTime() < end; i++, cases++) {
          long seed = seeds.nextLong();
          try {
            lastProgress = System.nanoTime();
            fuzzer.run(seed);
          } catch (ProtocolFuzzer.Failure f) {
            failures++;
            System.out.println("FAILED " + (testDevice ? "test" : "express") + " device, seed " + seed + ": "
                + f.getMessage());
            for (Throwable c = f.getCause(); c != null && c.getCause() != null; c = c.getCause()) {
              System.out.println("  caused by " + c.getCause());
            }
            dumpServerThreads();
          }
        }
        messages += fuzzer.messagesSent;
      }
      Files.deleteIfExists(dir.resolve("fuzz-spare.sock"));
    }
    // A close that finds its number already closed is a double close: the same bug may close a
    // number someone else was handed in between (docs/testing.md, known issues).
    System.out.printf("%d cases, %d fuzzed messages, %d failures, %d double closes%n", cases, messages, failures,
        io.vfu4j.runtime.sys.Native.badCloses());
    System.exit(failures == 0 ? 0 : 1);
  }
}

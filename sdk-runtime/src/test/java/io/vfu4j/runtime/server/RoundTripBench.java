package io.vfu4j.runtime.server;

import io.vfu4j.host.VfioUserClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Bench command (not a test): the cost of one guest register read through vfu4j, REGION_READ of
 * 4 bytes from BAR0 over the real socket, against the AF_UNIX round-trip floor of a C ping-pong
 * measured in the same run. Run it with the command in docs/benchmarks.md; it prints a table.
 */
public final class RoundTripBench {
  private static final int WARMUP = 50_000;
  private static final int ITERATIONS = 200_000;
  private static final int ROUNDS = 5;

  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("vfu4j-bench");
    double cNs = median(cPingPong(work));
    double regionNs = median(regionReads(work, false));
    double postedNs = median(regionReads(work, true));
    System.out.printf("%-44s %10s %8s%n", "round trip", "ns", "ratio");
    System.out.printf("%-44s %10.0f %8.2f%n", "C AF_UNIX ping-pong, 32/36 bytes (baseline)", cNs, 1.0);
    System.out.printf("%-44s %10.0f %8.2f%n", "REGION_READ 4 bytes BAR0 (host client)", regionNs, regionNs / cNs);
    System.out.printf("%-44s %10.0f %8.2f%n", "posted REGION_WRITE + REGION_READ pair", postedNs, postedNs / cNs);
  }

  private static double[] cPingPong(Path work) throws IOException, InterruptedException {
    Path source = Path.of("src/test/c/unix_pingpong.c").toAbsolutePath();
    Path binary = work.resolve("unix_pingpong");
    run("gcc", "-O2", "-o", binary.toString(), source.toString());
    double[] results = new double[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
      String out = run(binary.toString(), Integer.toString(ITERATIONS)).trim();
      results[r] = Double.parseDouble(out.split(" ")[1]);
    }
    return results;
  }

  private static double[] regionReads(Path work, boolean withPostedWrite) throws IOException {
    TestDevice.Descriptor descriptor = new TestDevice.Descriptor();
    try (VfioUserServer server = VfioUserServer.start(descriptor, work.resolve("bench.sock"), ServerOptions.defaults());
        VfioUserClient client = VfioUserClient.open(server.socketPath())) {
      byte[] value = {1, 2, 3, 4};
      for (int i = 0; i < WARMUP; i++) {
        client.readRegion(0, 0, 4);
      }
      double[] results = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        long start = System.nanoTime();
        for (int i = 0; i < ITERATIONS; i++) {
          if (withPostedWrite) {
            client.postWrite(0, 4, value);
          }
          client.readRegion(0, 0, 4);
        }
        results[r] = (System.nanoTime() - start) / (double) ITERATIONS;
      }
      return results;
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }
}

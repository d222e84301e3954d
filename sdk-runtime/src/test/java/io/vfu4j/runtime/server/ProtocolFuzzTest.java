package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.runtime.pci.ConfigSpaceBuilder;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The protocol fuzzer with fixed seeds against the test device and an express device with MSI-X,
 * ATS/PRI/PASID: every case must keep its oracle, and a batch must not leak fds or threads.
 * {@link ProtocolFuzzMain} runs the same generator with random seeds for longer.
 */
@Timeout(60)
class ProtocolFuzzTest extends ServerFixture {
  private static final int CASES = 400;

  @Test
  void testDeviceSurvivesFixedSeeds() throws Exception {
    runBatch(new ProtocolFuzzer.Target(server.socketPath(), TestDevice.VENDOR, true), 0x5eed_0000L);
  }

  @Test
  void expressDeviceSurvivesFixedSeeds() throws Exception {
    server.close();
    VfioUserServer s = VfioUserServer.start(new PciTestDevice.Descriptor(expressBuilder()), dir.resolve("pci.sock"));
    closeables.add(s);
    runBatch(new ProtocolFuzzer.Target(s.socketPath(), 0x1234, false), 0x5eed_1000L);
  }

  /** Regression: a 2 GiB DMA length kept the device thread zero-filling for seconds, so new clients timed out. */
  @Test
  void hugeDmaLengthFailsAtOnceAndTheNextClientIsServed() throws Exception {
    io.vfu4j.host.VfioUserClient c = client();
    c.writeConfig16(4, 0x0006);
    c.write(0, 0x10, 8, 0x4000_0000L);
    c.write(0, 0x18, 4, 0x7fff_ffff);
    c.write(0, 0x1c, 4, 1);
    assertThat(c.read(0, 0x28, 4)).as("DMA status").isEqualTo(2);
    c.close();
    assertThat(client().deviceInfo().numRegions()).isEqualTo(Regions.COUNT);
  }

  static ConfigSpaceBuilder expressBuilder() {
    return ConfigSpaceBuilder.express(0x1234, 0x11e8).interruptPin(1)
        .bar(PciSocketFixture.MEM32_1M).bar(PciSocketFixture.MEM64_PREF_64K)
        .powerManagement(false, false, false, 0x19)
        .msi(4, true, true)
        .msix(8, 2, 0x0, 2, 0x1000)
        .pciExpress(0, 512, true, true, 0xf, true, false, false, 2, 4)
        .aer(0, true, true)
        .ats(4, true, true)
        .pri(64, true)
        .pasid(16, true, true);
  }

  private static void runBatch(ProtocolFuzzer.Target target, long firstSeed) throws Exception {
    try (ProtocolFuzzer fuzzer = new ProtocolFuzzer(target)) {
      fuzzer.settle(); // warm up: the first connection's one-time setup is not a leak
      long fds = ProtocolFuzzer.openFds();
      var kinds = ProtocolFuzzer.fdKinds();
      int threads = ManagementFactory.getThreadMXBean().getThreadCount();
      for (long seed = firstSeed; seed < firstSeed + CASES; seed++) {
        fuzzer.run(seed);
      }
      fuzzer.settle();
      assertThat(fuzzer.messagesSent).isGreaterThan(CASES);
      assertThat(ProtocolFuzzer.openFds()).as("open fds after %d cases: %s, before: %s", CASES, ProtocolFuzzer.fdKinds(), kinds).isLessThan(fds + 16);
      assertThat(awaitThreadsBelow(threads + 8)).as("threads after %d cases", CASES).isLessThan(threads + 8);
    }
  }

  /** Readers of closed connections end shortly after their socket: give them a moment. */
  private static int awaitThreadsBelow(int limit) throws InterruptedException {
    int count = ManagementFactory.getThreadMXBean().getThreadCount();
    for (int i = 0; i < 100 && count >= limit; i++) {
      Thread.sleep(20);
      count = ManagementFactory.getThreadMXBean().getThreadCount();
    }
    return count;
  }
}

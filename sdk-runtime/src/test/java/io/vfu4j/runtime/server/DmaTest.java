package io.vfu4j.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.host.GuestMemory;
import io.vfu4j.host.VfioUserClient;
import io.vfu4j.runtime.protocol.Errno;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Device DMA through shared memory and through DMA_READ/DMA_WRITE messages, in both layouts. */
@Timeout(20)
class DmaTest extends ServerFixture {
  private static final long GUEST = 0x4000_0000L;

  /** Fills 16 bytes, starts the device's DMA (read, +1 per byte, write after) and waits for it. */
  private void runDma(VfioUserClient c, GuestMemory g, int expectedStatus) throws Exception {
    startDma(c, g);
    awaitStatus(c, expectedStatus);
  }

  private static void startDma(VfioUserClient c, GuestMemory g) throws Exception {
    for (int i = 0; i < 16; i++) {
      g.segment().set(ValueLayout.JAVA_BYTE, 0x100 + i, (byte) (i * 3));
    }
    c.writeConfig16(4, 0x0006); // memory decode + bus master
    c.write(0, 0x10, 8, g.address() + 0x100);
    c.write(0, 0x18, 4, 16);
    c.write(0, 0x1c, 4, 1);
  }

  private void awaitStatus(VfioUserClient c, int expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (c.read(0, 0x28, 4) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(c.read(0, 0x28, 4)).as("DMA status; error: %s", device().dmaError).isEqualTo(expected);
  }

  private static void assertIncremented(GuestMemory g) {
    for (int i = 0; i < 16; i++) {
      assertThat(g.segment().get(ValueLayout.JAVA_BYTE, 0x110 + i)).isEqualTo((byte) (i * 3 + 1));
    }
  }

  @Test
  void throughSharedMemoryWithoutMessages() throws Exception {
    VfioUserClient c = client();
    GuestMemory g = c.mapGuestMemory(GUEST, 1 << 16, true);
    runDma(c, g, 1);
    assertIncremented(g);
    assertThat(c.dmaRequestsServed()).isZero();
  }

  @Test
  void throughMessagesInSpecLayout() throws Exception {
    VfioUserClient c = client();
    GuestMemory g = c.mapGuestMemory(GUEST, 1 << 16, false);
    runDma(c, g, 1);
    assertIncremented(g);
    assertThat(c.dmaRequestsServed()).isEqualTo(2);
  }

  @Test
  void throughMessagesInQemuLayoutForAQemuLikeClient() throws Exception {
    VfioUserClient c = connect(VfioUserClient.Options.qemu());
    GuestMemory g = c.mapGuestMemory(GUEST, 1 << 16, false);
    runDma(c, g, 1);
    assertIncremented(g);
  }

  @Test
  void throughMessagesInSpecLayoutForQemu11WhichProposesWhatQemu10Does() throws Exception {
    // Found by the guest tests: QEMU 11 follows the spec's layout; sending it QEMU 10's shifts data by 4 bytes.
    VfioUserClient c = connect(VfioUserClient.Options.qemu11());
    GuestMemory g = c.mapGuestMemory(GUEST, 1 << 16, false);
    runDma(c, g, 1);
    assertIncremented(g);
    assertThat(c.dmaRequestsServed()).as("the layout probe is refused, the transfers served").isEqualTo(2);
  }

  @Test
  void qemu10LayoutProbeReadsNothingItKeeps() throws Exception {
    VfioUserClient c = connect(VfioUserClient.Options.qemu());
    GuestMemory g = c.mapGuestMemory(GUEST, 1 << 16, false);
    runDma(c, g, 1);
    runDma(c, g, 1);
    assertIncremented(g);
    assertThat(c.dmaRequestsServed()).as("one probe, then one read and one write per transfer").isEqualTo(5);
  }

  @Test
  void forcedQemuLayoutAgainstASpecClientStillCompletes() throws Exception {
    // a spec-speaking client reading a QEMU-layout DMA_WRITE sees data 4 bytes off: the choice matters
    server.close();
    VfioUserServer s = start(descriptor, ServerOptions.defaults().withDmaLayout(ServerOptions.DmaLayout.QEMU), "q.sock");
    VfioUserClient c = connect(s, VfioUserClient.Options.qemu());
    GuestMemory g = c.mapGuestMemory(GUEST, 1 << 16, false);
    runDma(c, g, 1);
    assertIncremented(g);
  }

  @Test
  void throughTheTwinSocketWhenOffered() throws Exception {
    VfioUserClient c = connect(VfioUserClient.Options.defaults().withTwinSocket(true));
    assertThat(c.twinSocketActive()).isTrue();
    GuestMemory g = c.mapGuestMemory(GUEST, 1 << 16, false);
    runDma(c, g, 1);
    assertIncremented(g);
  }

  @Test
  void smallClientTransferLimitSplitsMessages() throws Exception {
    VfioUserClient c = connect(VfioUserClient.Options.defaults().withMaxDataXferSize(4));
    GuestMemory g = c.mapGuestMemory(GUEST, 1 << 16, false);
    runDma(c, g, 1);
    assertIncremented(g);
    assertThat(c.dmaRequestsServed()).isEqualTo(8);
  }

  @Test
  void clientKeepsGettingRepliesWhileItHoldsTheServersDmaRequest() throws Exception {
    VfioUserClient c = client();
    GuestMemory g = c.mapGuestMemory(GUEST, 1 << 16, false);
    c.holdDmaRequests(true);
    startDma(c, g);
    // The server's DMA_READ is outstanding and unanswered; region accesses must still be served.
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (c.heldDmaRequests() == 0 && System.nanoTime() < deadline) {
      assertThat(c.read(0, 0, 4)).isEqualTo(TestDevice.ID);
    }
    assertThat(c.heldDmaRequests()).isEqualTo(1);
    for (int i = 0; i < 20; i++) {
      c.write(0, 4, 4, i);
      assertThat(c.read(0, 4, 4)).isEqualTo(i);
    }
    assertThat(c.read(0, 0x28, 4)).isZero();
    c.holdDmaRequests(false);
    awaitStatus(c, 1);
    assertIncremented(g);
  }

  @Test
  void unansweredDmaRequestTimesOutAndTheDeviceSeesAFailure() throws Exception {
    server.close();
    VfioUserServer s = start(descriptor, ServerOptions.defaults().withRequestTimeout(Duration.ofMillis(200)), "t.sock");
    VfioUserClient c = client(s);
    GuestMemory g = c.mapGuestMemory(GUEST, 1 << 16, false);
    c.holdDmaRequests(true);
    startDma(c, g);
    awaitStatus(c, 2);
  }

  @Test
  void dmaWithoutBusMasterOrMappingFails() throws Exception {
    VfioUserClient c = client();
    GuestMemory g = c.mapGuestMemory(GUEST, 1 << 16, true);
    startDma(c, g);
    awaitStatus(c, 1);
    c.writeConfig16(4, 0x0002); // bus master off
    c.write(0, 0x1c, 4, 1);
    awaitStatus(c, 2);
    c.writeConfig16(4, 0x0006);
    c.unmap(g);
    c.write(0, 0x1c, 4, 1);
    awaitStatus(c, 2);
  }

  @Test
  void mapAndUnmapRules() throws Exception {
    VfioUserClient c = client();
    GuestMemory g = c.mapGuestMemory(GUEST, 1 << 16, true);
    assertThat(errno(() -> c.mapGuestMemory(GUEST + 0x1000, 0x1000, true))).isEqualTo(Errno.EEXIST);
    assertThat(errno(() -> c.call(io.vfu4j.runtime.protocol.Command.DMA_UNMAP,
        new io.vfu4j.runtime.protocol.DmaMessages.DmaUnmap(24, 0, GUEST, 0x1000).encode()))).isEqualTo(Errno.ENOENT);
    c.mapGuestMemory(0x1_0000_0000L, 0x2000, false);
    assertThat(server.host().dma().mappings()).hasSize(2);
    c.unmap(g);
    assertThat(server.host().dma().mappings()).hasSize(1);
    c.unmapAll();
    assertThat(server.host().dma().mappings()).isEmpty();
  }

  VfioUserClient connect(VfioUserServer s, VfioUserClient.Options options) throws Exception {
    VfioUserClient c = VfioUserClient.connect(s.socketPath());
    closeables.add(c);
    c.negotiate(options);
    return c;
  }
}

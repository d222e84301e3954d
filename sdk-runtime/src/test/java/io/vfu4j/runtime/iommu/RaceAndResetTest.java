package io.vfu4j.runtime.iommu;

import static io.vfu4j.runtime.iommu.AtsTest.IOVA;
import static io.vfu4j.runtime.iommu.AtsTest.TSPACE;
import static io.vfu4j.runtime.iommu.AtsTest.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.api.DmaException;
import io.vfu4j.api.DmaSpace;
import io.vfu4j.host.GuestMemory;
import io.vfu4j.host.VfioUserClient;
import io.vfu4j.host.VirtualIommu;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.IommuMessages;
import io.vfu4j.runtime.transport.Message;
import io.vfu4j.runtime.protocol.IommuOffer;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Stale translation replies, twin-socket mode, and resets while translations and groups are outstanding. */
@Timeout(30)
class RaceAndResetTest extends IommuFixture {
  static final int RW = IommuMessages.R | IommuMessages.W;

  @Test
  void translationOvertakenByAnInvalidationIsDiscarded() throws Exception {
    connect(true);
    GuestMemory t = viommu.mapTranslatedSpace(TSPACE, 0x10_0000, true);
    viommu.map(5, IOVA, PAGE, TSPACE, RW); // old target
    enableAll(0, 4);
    viommu.holdTranslations(true);
    CompletableFuture<Void> dma = space(5).writeAsync(IOVA, bytes(4, 33)).toCompletableFuture();
    waitFor(() -> viommu.heldTranslations() == 1); // its answer says "old target"
    viommu.unmap(5, IOVA);
    viommu.map(5, IOVA, PAGE, TSPACE + 0x5000, RW);
    viommu.invalidate(IOVA, PAGE, 5, false).get(5, TimeUnit.SECONDS); // nothing cached: completes at once
    viommu.holdTranslations(false);
    await(dma);
    assertThat(t.segment().get(ValueLayout.JAVA_BYTE, 0x5000)).isEqualTo((byte) 33);
    assertThat(t.segment().get(ValueLayout.JAVA_BYTE, 0)).isZero();
    assertThat(viommu.translations()).hasSize(2);
  }

  @Test
  void twinSocketCarriesServerCommands() throws Exception {
    client = VfioUserClient.connect(server.socketPath());
    closeables.add(client);
    client.negotiate(VfioUserClient.Options.defaults().withTwinSocket(true).withIommu(IommuOffer.all()));
    assertThat(client.twinSocketActive()).isTrue();
    viommu = new VirtualIommu(client);
    closeables.add(viommu);
    GuestMemory t = viommu.mapTranslatedSpace(TSPACE, 0x10_0000, false);
    viommu.pagePolicy(r -> {
      viommu.map(r.pasid(), r.addr(), PAGE, TSPACE + 0x2000, RW);
      return 0;
    });
    enableAll(0, 4);
    await(space(9).writeAsync(IOVA, bytes(8, 5)));
    assertThat(t.segment().get(ValueLayout.JAVA_BYTE, 0x2000)).isEqualTo((byte) 5);
    assertThat(viommu.dmaExServed()).isEqualTo(1);
  }

  @Test
  void flrEmptiesTheCacheRetiresGroupsAndDisablesEverything() throws Exception {
    connect(true);
    viommu.mapTranslatedSpace(TSPACE, 0x10_0000, true);
    viommu.map(5, IOVA, PAGE, TSPACE, RW);
    enableAll(0, 4);
    await(space(5).writeAsync(IOVA, bytes(4, 1)));
    var group = space(5).pageRequest(IOVA + PAGE, PAGE, DmaSpace.READ).toCompletableFuture();
    group.whenComplete((r, e) -> device().events.add("page request done"));
    waitFor(() -> viommu.pageRequests().size() == 1);
    int devctl = client.config16(descriptor.layout.config().find(0x10, false).offset() + 8);
    client.writeConfig16(descriptor.layout.config().find(0x10, false).offset() + 8, devctl | 0x8000); // FLR
    assertThat(failure(group)).isInstanceOf(DmaException.class);
    // the device hears of the abandoned request only after its reset hook ran
    waitFor(() -> device().events.contains("page request done"));
    assertThat(device().events).containsSubsequence("reset FLR", "page request done");
    assertThat(device().events.indexOf("reset FLR")).isLessThan(device().events.indexOf("page request done"));
    assertThat(priStatus() & STATUS_STOPPED).isEqualTo(STATUS_STOPPED);
    assertThat(client.config16(descriptor.ats() + 6) & 0x8000).isZero();
    enableAll(0, 4);
    await(space(5).writeAsync(IOVA, bytes(4, 1)));
    assertThat(viommu.translations()).hasSize(2); // the cache was emptied
  }

  /** Sends {@code command} raw (its reply goes to receiveRaw, in arrival order). */
  private void sendRaw(int id, Command command, byte[] payload) throws Exception {
    byte[] head = io.vfu4j.runtime.protocol.Header.command(id, command, payload.length, false).encode();
    byte[] all = java.util.Arrays.copyOf(head, head.length + payload.length);
    System.arraycopy(payload, 0, all, head.length, payload.length);
    client.sendRaw(all);
  }

  /**
   * Holds a DMA_WRITE_EX through a cached translation and leaves an invalidation of that entry
   * pending (id 0x9001); {@code stop} then sends the command under test as id 0x9002. The command
   * may not be answered while the DMA is held; once released, the invalidation completion comes
   * first, then the command's reply.
   */
  private Message holdThenRelease(Command command, byte[] payload) throws Exception {
    connect(true);
    viommu.mapTranslatedSpace(TSPACE, 0x10_0000, false);
    viommu.map(5, IOVA, PAGE, TSPACE, RW);
    enableAll(0, 4);
    await(space(5).writeAsync(IOVA, bytes(4, 1))); // warm the ATC
    client.holdDmaRequests(true);
    var dma = space(5).writeAsync(IOVA, bytes(4, 1)).toCompletableFuture();
    waitFor(() -> client.heldDmaRequests() == 1);
    sendRaw(0x9001, Command.ATS_INVALIDATE,
        new IommuMessages.AtsInvalidate(IOVA, PAGE, IommuMessages.PASID_VALID, 5).encode());
    waitFor(() -> ((IommuDma) device().ctx.dma()).atc().outstandingInvalidations() == 1);
    sendRaw(0x9002, command, payload);
    assertThat(client.config16(0)).isEqualTo(0x1af4); // a round trip through the device thread
    assertThat(client.receiveRaw(java.time.Duration.ZERO)).as("answered while DMA is in flight").isNull();
    client.holdDmaRequests(false);
    Message completion = client.receiveRaw(java.time.Duration.ofSeconds(5));
    Message done = client.receiveRaw(java.time.Duration.ofSeconds(5));
    assertThat(completion.header().msgId()).as("the invalidation completion first").isEqualTo(0x9001);
    assertThat(completion.header().isError()).isFalse();
    assertThat(done.header().msgId()).isEqualTo(0x9002);
    assertThat(done.header().isError()).isFalse();
    dma.handle((v, e) -> null).get(5, TimeUnit.SECONDS); // finished (or failed by the reset)
    assertThat(((IommuDma) device().ctx.dma()).inFlight()).isZero();
    return done;
  }

  @Test
  void deviceResetReportsDoneOnlyAfterTheDmaAndTheInvalidationCompletion() throws Exception {
    holdThenRelease(Command.DEVICE_RESET, new byte[0]);
    assertThat(device().events).contains("reset DEVICE_RESET");
  }

  @Test
  void flrReportsDoneOnlyAfterTheDmaAndTheInvalidationCompletion() throws Exception {
    int devctl = descriptor.layout.config().find(0x10, false).offset() + 8;
    byte[] flr = new io.vfu4j.runtime.protocol.RegionMessages.RegionAccess(devctl, 7, 2,
        new byte[] {0, (byte) 0x80}).encode();
    Message done = holdThenRelease(Command.REGION_WRITE, flr);
    assertThat(done.payload()).hasSize(16); // the REGION_WRITE reply, deferred
    assertThat(device().events).contains("reset FLR");
  }

  @Test
  void migrationStopReportsDoneOnlyAfterTheDmaAndTheInvalidationThenRefusesNewDma() throws Exception {
    int stop = 1, running = 2;
    byte[] toStop = new io.vfu4j.runtime.protocol.FeatureMessages.DeviceFeature(16,
        io.vfu4j.runtime.protocol.FeatureMessages.MIG_DEVICE_STATE | io.vfu4j.runtime.protocol.FeatureMessages.SET,
        io.vfu4j.runtime.protocol.Payload.allocate(8).putInt(stop).putInt(0).array()).encode();
    Message done = holdThenRelease(Command.DEVICE_FEATURE, toStop);
    assertThat(io.vfu4j.runtime.protocol.Payload.wrap(done.payload()).getInt(8)).as("device state").isEqualTo(stop);
    // stopped: the device may not start DMA or page requests (the write that was in flight finished)
    assertThat(failure(space(5).writeAsync(IOVA, bytes(4, 2)))).isInstanceOf(DmaException.class)
        .hasMessageContaining("migration");
    assertThat(failure(space(5).pageRequest(IOVA, PAGE, DmaSpace.READ))).isInstanceOf(DmaException.class);
    client.deviceFeature(io.vfu4j.runtime.protocol.FeatureMessages.MIG_DEVICE_STATE
        | io.vfu4j.runtime.protocol.FeatureMessages.SET, 16,
        io.vfu4j.runtime.protocol.Payload.allocate(8).putInt(running).putInt(0).array());
    await(space(5).writeAsync(IOVA, bytes(4, 3))); // running again
  }

  @Test
  void stopWithNothingInFlightIsAnsweredAtOnce() throws Exception {
    connect(true);
    enableAll(0, 4);
    byte[] state = client.deviceFeature(io.vfu4j.runtime.protocol.FeatureMessages.MIG_DEVICE_STATE
        | io.vfu4j.runtime.protocol.FeatureMessages.SET, 16,
        io.vfu4j.runtime.protocol.Payload.allocate(8).putInt(3).putInt(0).array()); // STOP_COPY, through STOP
    assertThat(io.vfu4j.runtime.protocol.Payload.wrap(state).getInt(0)).isEqualTo(3);
    assertThat(client.migrationRead(4096)).isNotEmpty();
    client.reset(); // back to RUNNING, answered at once too
  }
}

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
import io.vfu4j.runtime.protocol.IommuMessages;
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

  @Test
  void deviceResetDuringADrainStillSendsTheCompletion() throws Exception {
    connect(true);
    viommu.mapTranslatedSpace(TSPACE, 0x10_0000, false);
    viommu.map(5, IOVA, PAGE, TSPACE, RW);
    enableAll(0, 4);
    client.holdDmaRequests(true);
    var dma = space(5).writeAsync(IOVA, bytes(4, 1)).toCompletableFuture();
    waitFor(() -> client.heldDmaRequests() == 1);
    var invalidation = viommu.invalidate(IOVA, PAGE, 5, false);
    waitFor(() -> ((IommuDma) device().ctx.dma()).atc().outstandingInvalidations() == 1);
    client.reset();
    assertThat(invalidation).isNotDone();
    client.holdDmaRequests(false);
    await(dma);
    invalidation.get(5, TimeUnit.SECONDS);
  }
}

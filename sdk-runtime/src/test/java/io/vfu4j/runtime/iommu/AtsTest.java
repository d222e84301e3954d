package io.vfu4j.runtime.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.api.DmaException;
import io.vfu4j.host.GuestMemory;
import io.vfu4j.runtime.protocol.Command;
import io.vfu4j.runtime.protocol.Errno;
import io.vfu4j.runtime.protocol.IommuMessages;
import io.vfu4j.runtime.protocol.IommuOffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Negotiation, PASID spaces, ATS translation and invalidation through the real socket. */
@Timeout(30)
class AtsTest extends IommuFixture {
  static final long TSPACE = 0x1_0000_0000L;
  static final long IOVA = 0x7f00_0000L;

  @Test
  void serverAcceptsASubsetBoundedByTheDeviceCapabilities() throws Exception {
    connect(true);
    IommuOffer accepted = client.negotiatedIommu();
    assertThat(accepted).isEqualTo(new IommuOffer(1, true, IommuTestDevice.PASID_WIDTH, true, true));
    assertThat(accepted.subsetOf(IommuOffer.all())).isTrue();
  }

  @Test
  void qemuLikeClientSeesAPlainServer() throws Exception {
    connect(false);
    assertThat(client.serverCapabilities().iommu()).isNull();
    // extension commands are unknown, extension DMA_MAP bits are unknown flags
    assertThat(errnoOf(() -> client.call(Command.ATS_INVALIDATE,
        new IommuMessages.AtsInvalidate(0, -1L, 0, IommuMessages.NO_PASID).encode()))).isEqualTo(Errno.ENOSYS);
    assertThat(errnoOf(() -> client.mapGuestMemory(0x10000, PAGE, true, 1 << 8 | 1 << 12)))
        .isEqualTo(Errno.EINVAL);
    // the guest enables everything; the device's own IOMMU traffic is answered locally
    GuestMemory ram = client.mapGuestMemory(0x20000, 0x10000, true);
    enableAll(0, 4);
    await(space(-1).writeAsync(0x20000 + 0x100, bytes(64, 3)));
    assertThat(ram.segment().get(ValueLayout.JAVA_BYTE, 0x100)).isEqualTo((byte) 3);
    assertThat(await(space(-1).pageRequest(0x20000, PAGE, 3))).isEqualTo(io.vfu4j.api.DmaSpace.PageResponse.SUCCESS);
    assertThat(await(space(-1).pageRequest(0x90000, PAGE, 1)))
        .isEqualTo(io.vfu4j.api.DmaSpace.PageResponse.INVALID_REQUEST);
    // PASID-tagged DMA fails (no PASID spaces without the extension)
    assertThat(failure(space(1).writeAsync(0x20000, bytes(8, 0)))).isInstanceOf(DmaException.class);
    assertThat(client.serverCommandsSeen().keySet()).allMatch(c -> c < 100);
  }

  @Test
  void samePasidAddressInTwoSpacesReachesDifferentMemory() throws Exception {
    connect(true);
    GuestMemory one = viommu.mapPasid(1, 0x10000, PAGE, true);
    GuestMemory two = viommu.mapPasid(2, 0x10000, PAGE, true);
    enableAll(0, 4);
    await(space(1).writeAsync(0x10010, bytes(4, 10)));
    await(space(2).writeAsync(0x10010, bytes(4, 20)));
    assertThat(one.segment().get(ValueLayout.JAVA_BYTE, 0x10)).isEqualTo((byte) 10);
    assertThat(two.segment().get(ValueLayout.JAVA_BYTE, 0x10)).isEqualTo((byte) 20);
    // PASID 0 is not the no-PASID space: its page request is refused
    viommu.pagePolicy(r -> 1);
    assertThat(failure(space(0).writeAsync(0x10010, bytes(4, 1)))).isInstanceOf(DmaException.class);
  }

  @Test
  void pasidTaggedDmaNeedsPasidEnabled() throws Exception {
    connect(true);
    viommu.mapPasid(1, 0x10000, PAGE, true);
    client.writeConfig16(4, CMD_BUS_MASTER);
    assertThat(failure(space(1).writeAsync(0x10000, bytes(4, 1))).getMessage()).contains("PASID is disabled");
  }

  @Test
  void missThenPageRequestThenTranslationLandsInThatPasidsMemory() throws Exception {
    connect(true);
    GuestMemory translated = viommu.mapTranslatedSpace(TSPACE, 0x10_0000, true);
    long taddr = TSPACE + 0x3000;
    viommu.pagePolicy(r -> {
      if ((r.flags() & IommuMessages.PASID_VALID) == 0) {
        return 1; // Invalid Request: nothing is mapped without a PASID
      }
      viommu.map(r.pasid(), r.addr(), PAGE, taddr, IommuMessages.R | IommuMessages.W);
      return 0;
    });
    enableAll(0, 4);
    await(space(5).writeAsync(IOVA + 0x20, bytes(16, 40)));
    assertThat(translated.segment().get(ValueLayout.JAVA_BYTE, 0x3020)).isEqualTo((byte) 40);
    assertThat(viommu.pageRequests()).hasSize(1);
    var request = viommu.pageRequests().peek();
    assertThat(request.pasid()).isEqualTo(5);
    assertThat(request.flags() & (IommuMessages.W | IommuMessages.LAST | IommuMessages.PASID_VALID))
        .isEqualTo(IommuMessages.W | IommuMessages.LAST | IommuMessages.PASID_VALID);
    assertThat(viommu.translations()).hasSize(2); // miss (not present), then after the page request
    // a hit uses the cached translation: no new request
    MemorySegment back = MemorySegment.ofArray(new byte[16]);
    await(space(5).readAsync(IOVA + 0x20, back));
    assertThat(back.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 40);
    assertThat(viommu.translations()).hasSize(2);
    // the no-PASID space at the same address has no translation: page request refused, DMA fails
    assertThat(failure(space(-1).writeAsync(IOVA, bytes(4, 1)))).isInstanceOf(DmaException.class);
    assertThat(viommu.pageRequests()).hasSize(2);
  }

  @Test
  void atsDisabledSendsNoTranslationRequest() throws Exception {
    connect(true);
    GuestMemory translated = viommu.mapTranslatedSpace(TSPACE, 0x10_0000, false);
    viommu.map(5, IOVA, PAGE, TSPACE, IommuMessages.R | IommuMessages.W);
    client.writeConfig16(4, CMD_BUS_MASTER);
    client.writeConfig16(descriptor.pasid() + 6, 0x1);
    await(space(5).writeAsync(IOVA + 8, bytes(4, 7)));
    // untranslated message DMA: the client's IOMMU translated it
    assertThat(translated.segment().get(ValueLayout.JAVA_BYTE, 8)).isEqualTo((byte) 7);
    assertThat(viommu.translations()).isEmpty();
    assertThat(client.serverCommandsSeen()).doesNotContainKey(Command.ATS_TRANSLATE.code())
        .containsKey(Command.DMA_WRITE_EX.code());
  }

  @Test
  void invalidationCompletesOnlyAfterTheDmaUsingTheEntryFinished() throws Exception {
    connect(true);
    GuestMemory translated = viommu.mapTranslatedSpace(TSPACE, 0x10_0000, false); // message DMA: slow
    viommu.map(5, IOVA, PAGE, TSPACE, IommuMessages.R | IommuMessages.W);
    enableAll(0, 4);
    await(space(5).writeAsync(IOVA, bytes(4, 1))); // warm the ATC
    assertThat(viommu.translations()).hasSize(1);
    client.holdDmaRequests(true);
    CompletableFuture<Void> dma = space(5).writeAsync(IOVA + 0x100, bytes(4, 9)).toCompletableFuture();
    waitFor(() -> client.heldDmaRequests() == 1);
    CompletableFuture<Void> invalidation = viommu.invalidate(IOVA, PAGE, 5, false);
    // the reply must wait for the DMA: other commands are still served meanwhile
    assertThat(client.config16(0)).isEqualTo(0x1af4);
    assertThat(invalidation).isNotDone();
    viommu.unmap(5, IOVA);
    viommu.map(5, IOVA, PAGE, TSPACE + 0x8000, IommuMessages.R | IommuMessages.W);
    client.holdDmaRequests(false);
    await(dma);
    invalidation.get(5, TimeUnit.SECONDS);
    assertThat(translated.segment().get(ValueLayout.JAVA_BYTE, 0x100)).isEqualTo((byte) 9);
    // no stale translation after the completion: a new request, and the new target
    await(space(5).writeAsync(IOVA + 0x100, bytes(4, 77)));
    assertThat(viommu.translations()).hasSize(2);
    assertThat(translated.segment().get(ValueLayout.JAVA_BYTE, 0x8100)).isEqualTo((byte) 77);
  }

  @Test
  void everyInvalidationOfAnEntryInUseWaitsForTheAccessWhoeverRemovedIt() throws Exception {
    connect(true);
    GuestMemory translated = viommu.mapTranslatedSpace(TSPACE, 0x10_0000, false); // message DMA: held
    viommu.map(5, IOVA, PAGE, TSPACE, IommuMessages.R | IommuMessages.W);
    enableAll(0, 4);
    await(space(5).writeAsync(IOVA, bytes(4, 1))); // warm the ATC
    client.holdDmaRequests(true);
    CompletableFuture<Void> dma = space(5).writeAsync(IOVA + 0x100, bytes(4, 9)).toCompletableFuture();
    waitFor(() -> client.heldDmaRequests() == 1); // a DMA_WRITE_EX through the cached translation
    CompletableFuture<Void> first = viommu.invalidate(IOVA, PAGE, 5, false);
    waitFor(() -> atcOutstanding() == 1);
    CompletableFuture<Void> repeat = viommu.invalidate(IOVA, PAGE, 5, false); // nothing left to remove
    waitFor(() -> atcOutstanding() == 2);
    // queue depth 2 reached: a third (overlapping, every space) is refused at once
    assertThat(errno(viommu.invalidate(0, IommuMessages.WHOLE_SPACE, -1, false))).isEqualTo(Errno.EBUSY);
    assertThat(client.config16(0)).isEqualTo(0x1af4); // a round trip through the device thread
    assertThat(first).isNotDone();
    assertThat(repeat).as("the repeat may not complete while the write is unanswered").isNotDone();
    client.holdDmaRequests(false);
    repeat.get(5, TimeUnit.SECONDS);
    // the completion promises the write is done (the device hears of it right after): the client
    // may reuse the memory now
    assertThat(translated.segment().get(ValueLayout.JAVA_BYTE, 0x100)).isEqualTo((byte) 9);
    translated.segment().set(ValueLayout.JAVA_BYTE, 0x100, (byte) 0);
    first.get(5, TimeUnit.SECONDS);
    await(dma);
    // after EBUSY the client sends it again: nothing in flight any more, it completes at once
    viommu.invalidate(0, IommuMessages.WHOLE_SPACE, -1, false).get(5, TimeUnit.SECONDS);
    assertThat(client.config16(0)).isEqualTo(0x1af4);
    assertThat(translated.segment().get(ValueLayout.JAVA_BYTE, 0x100)).as("reused memory untouched").isZero();
    assertThat(iommuDma().atc().draining()).isZero();
  }

  @Test
  void anInvalidationAfterAtsDisableWaitsForTheAccessStillUsingTheOldEntry() throws Exception {
    connect(true);
    viommu.mapTranslatedSpace(TSPACE, 0x10_0000, false);
    viommu.map(5, IOVA, PAGE, TSPACE, IommuMessages.R | IommuMessages.W);
    enableAll(0, 4);
    await(space(5).writeAsync(IOVA, bytes(4, 1)));
    client.holdDmaRequests(true);
    CompletableFuture<Void> dma = space(5).writeAsync(IOVA + 8, bytes(4, 2)).toCompletableFuture();
    waitFor(() -> client.heldDmaRequests() == 1);
    client.writeConfig16(descriptor.ats() + 6, 0); // ATS Enable 1 -> 0 empties the ATC (entry in use)
    CompletableFuture<Void> invalidation = viommu.invalidate(IOVA, PAGE, 5, false);
    waitFor(() -> atcOutstanding() == 1);
    assertThat(client.config16(0)).isEqualTo(0x1af4);
    assertThat(invalidation).isNotDone();
    client.holdDmaRequests(false);
    invalidation.get(5, TimeUnit.SECONDS);
    await(dma);
  }

  @Test
  void invalidationScopes() throws Exception {
    connect(true);
    viommu.mapTranslatedSpace(TSPACE, 0x10_0000, true);
    for (int pasid : new int[] {-1, 1, 2}) {
      viommu.map(pasid, IOVA, PAGE, TSPACE + (pasid + 1) * PAGE, IommuMessages.R | IommuMessages.W);
    }
    enableAll(0, 4);
    warm(-1, 1, 2);
    assertThat(viommu.translations()).hasSize(3);
    viommu.invalidate(IOVA, PAGE, 1, false).get(5, TimeUnit.SECONDS); // PASID 1 only
    warm(-1, 1, 2);
    assertThat(viommu.translations()).hasSize(4);
    viommu.invalidate(IOVA + 0x10_0000, 0x10_0000, -1, false).get(5, TimeUnit.SECONDS); // elsewhere
    warm(-1, 1, 2);
    assertThat(viommu.translations()).hasSize(4);
    viommu.invalidate(0, IommuMessages.WHOLE_SPACE, -1, false).get(5, TimeUnit.SECONDS); // all, every space
    warm(-1, 1, 2);
    assertThat(viommu.translations()).hasSize(7);
  }

  @Test
  void globalTranslationServesEveryPasidUntilAGlobalInvalidation() throws Exception {
    connect(true);
    viommu.mapTranslatedSpace(TSPACE, 0x10_0000, true);
    viommu.map(1, IOVA, PAGE, TSPACE, IommuMessages.R | IommuMessages.W | IommuMessages.PERM_G);
    enableAll(0, 4);
    warm(1, 3);
    assertThat(viommu.translations()).hasSize(1); // PASID 3 hit PASID 1's global entry
    viommu.invalidate(IOVA, PAGE, 3, false).get(5, TimeUnit.SECONDS); // PASID 3, not global: entry stays
    warm(3);
    assertThat(viommu.translations()).hasSize(1);
    viommu.invalidate(IOVA, PAGE, 3, true).get(5, TimeUnit.SECONDS); // + GLOBAL
    viommu.map(3, IOVA, PAGE, TSPACE, IommuMessages.R | IommuMessages.W);
    warm(3);
    assertThat(viommu.translations()).hasSize(2);
  }

  @Test
  void invalidationsBeyondTheQueueDepthGetEbusy() throws Exception {
    connect(true);
    viommu.mapTranslatedSpace(TSPACE, 0x10_0000, false);
    for (int i = 0; i < 3; i++) {
      viommu.map(5, IOVA + i * PAGE, PAGE, TSPACE + i * PAGE, IommuMessages.R | IommuMessages.W);
    }
    enableAll(0, 4);
    client.holdDmaRequests(true);
    var dmas = new java.util.ArrayList<CompletableFuture<Void>>();
    for (int i = 0; i < 3; i++) {
      dmas.add(space(5).writeAsync(IOVA + i * PAGE, bytes(4, i)).toCompletableFuture());
    }
    waitFor(() -> client.heldDmaRequests() == 3);
    var first = viommu.invalidate(IOVA, PAGE, 5, false);
    var second = viommu.invalidate(IOVA + PAGE, PAGE, 5, false);
    waitFor(() -> atcOutstanding() == 2);
    assertThat(errno(viommu.invalidate(IOVA + 2 * PAGE, PAGE, 5, false))).isEqualTo(Errno.EBUSY);
    client.holdDmaRequests(false);
    for (var d : dmas) {
      await(d);
    }
    first.get(5, TimeUnit.SECONDS);
    second.get(5, TimeUnit.SECONDS);
    // EBUSY still removed the third entry: the next access translates again
    int before = viommu.translations().size();
    await(space(5).writeAsync(IOVA + 2 * PAGE, bytes(4, 1)));
    assertThat(viommu.translations()).hasSize(before + 1);
  }

  @Test
  void disablingAtsEmptiesTheCache() throws Exception {
    connect(true);
    viommu.mapTranslatedSpace(TSPACE, 0x10_0000, true);
    viommu.map(5, IOVA, PAGE, TSPACE, IommuMessages.R | IommuMessages.W);
    enableAll(0, 4);
    warm(5);
    client.writeConfig16(descriptor.ats() + 6, 0);
    client.writeConfig16(descriptor.ats() + 6, 0x8000);
    warm(5);
    assertThat(viommu.translations()).hasSize(2);
  }

  @Test
  void synchronousAccessesWaitOffTheDeviceThreadAndUseOnlyHitsOnIt() throws Exception {
    connect(true);
    GuestMemory t = viommu.mapTranslatedSpace(TSPACE, 0x10_0000, true);
    viommu.map(5, IOVA, PAGE, TSPACE, IommuMessages.R | IommuMessages.W);
    enableAll(0, 4);
    space(5).write(IOVA + 4, bytes(4, 60)); // test thread: may wait for the translation
    assertThat(t.segment().get(ValueLayout.JAVA_BYTE, 4)).isEqualTo((byte) 60);
    var hit = new CompletableFuture<Byte>();
    var miss = new CompletableFuture<Void>();
    device().ctx.execute(() -> {
      try {
        MemorySegment b = MemorySegment.ofArray(new byte[4]);
        space(5).read(IOVA + 4, b); // ATC hit into fd-backed memory: fine on the device thread
        hit.complete(b.get(ValueLayout.JAVA_BYTE, 0));
        space(5).read(IOVA + PAGE, MemorySegment.ofArray(new byte[4])); // miss: refused, not blocked
        miss.complete(null);
      } catch (DmaException e) {
        hit.completeExceptionally(e);
        miss.completeExceptionally(e);
      }
    });
    assertThat(await(hit)).isEqualTo((byte) 60);
    assertThat(failure(miss)).isInstanceOf(DmaException.class).hasMessageContaining("asynchronous");
  }

  @Test
  void refusedTranslationFailsTheAccessAndRecordsTheAbort() throws Exception {
    connect(true);
    viommu.mapTranslatedSpace(TSPACE, 0x10_0000, true);
    enableAll(0, 4);
    viommu.failTranslations(Errno.EPERM); // the IOMMU does not allow ATS: Unsupported Request
    assertThat(failure(space(5).writeAsync(IOVA, bytes(4, 1)))).isInstanceOf(DmaException.class);
    assertThat(client.config16(6) & 1 << 13).as("Received Master Abort").isNotZero();
    assertThat(client.config16(6) & 1 << 12).as("Received Target Abort").isZero();
    viommu.failTranslations(Errno.EFAULT); // Completer Abort
    assertThat(failure(space(5).writeAsync(IOVA, bytes(4, 1)))).isInstanceOf(DmaException.class);
    assertThat(client.config16(6) & 1 << 12).as("Received Target Abort").isNotZero();
  }

  @Test
  void writeToAReadOnlyTranslationAsksForTheWritablePage() throws Exception {
    connect(true);
    GuestMemory t = viommu.mapTranslatedSpace(TSPACE, 0x10_0000, true);
    viommu.map(5, IOVA, PAGE, TSPACE, IommuMessages.R); // e.g. copy-on-write not broken yet
    viommu.pagePolicy(r -> {
      if ((r.flags() & IommuMessages.W) == 0) {
        return 1;
      }
      viommu.map(5, IOVA, PAGE, TSPACE + PAGE, IommuMessages.R | IommuMessages.W);
      return 0;
    });
    enableAll(0, 4);
    await(space(5).writeAsync(IOVA, bytes(4, 8)));
    assertThat(t.segment().get(ValueLayout.JAVA_BYTE, PAGE)).isEqualTo((byte) 8);
    assertThat(t.segment().get(ValueLayout.JAVA_BYTE, 0)).isZero();
    assertThat(viommu.pageRequests()).hasSize(1);
  }

  private int atcOutstanding() {
    return device() == null ? 0 : iommuDma().atc().outstandingInvalidations();
  }

  private IommuDma iommuDma() {
    return (IommuDma) device().ctx.dma();
  }

  private void warm(int... pasids) throws Exception {
    for (int p : pasids) {
      await(space(p).writeAsync(IOVA, bytes(4, p)));
    }
  }

  interface Check {
    boolean ok() throws Exception;
  }

  static void waitFor(Check check) throws Exception {
    for (int i = 0; i < 500 && !check.ok(); i++) {
      Thread.sleep(10);
    }
    assertThat(check.ok()).as("condition reached").isTrue();
  }

  interface Call {
    void run() throws Exception;
  }

  static int errnoOf(Call call) throws Exception {
    return errno(CompletableFuture.runAsync(() -> {
      try {
        call.run();
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    }));
  }
}

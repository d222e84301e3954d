package io.vfu4j.runtime.iommu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.runtime.dma.Space;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The translation cache on its own: lookups, in-flight counts, invalidation scopes and drain. */
@Timeout(10)
class AtcTest {
  private final Atc atc = new Atc();
  private final Space p1 = Space.pasid(1), p2 = Space.pasid(2);

  private void cache(Space space, long base, long size, long taddr, boolean global) {
    var pending = atc.startTranslation(space, base);
    assertThat(atc.finishTranslation(pending, atc.entry(space, base, size, taddr, 3, global))).isTrue();
  }

  @Test
  void lookupFindsTheEntryContainingTheAddressInItsSpaceOnly() {
    cache(p1, 0x20_0000, 0x20_0000, 0x4000_0000L, false);
    Atc.Entry e = atc.acquire(p1, 0x3f_ffff);
    assertThat(e.translate(0x3f_ffff)).isEqualTo(0x401f_ffffL);
    assertThat(e.remaining(0x3f_ffff)).isEqualTo(1);
    atc.release(e);
    assertThat(atc.acquire(p1, 0x40_0000)).isNull();
    assertThat(atc.acquire(p2, 0x20_0000)).isNull();
    assertThat(atc.acquire(Space.NONE, 0x20_0000)).isNull();
  }

  @Test
  void completionWaitsForTheLastAccessOnAnyThread() throws Exception {
    cache(p1, 0x1000, 0x1000, 0x9000, false);
    Atc.Entry e = atc.acquire(p1, 0x1000);
    AtomicInteger completions = new AtomicInteger();
    assertThat(atc.invalidate(1, false, 0x1000, 0x1fff, 4, completions::incrementAndGet))
        .isEqualTo(Atc.InvalidateOutcome.PENDING);
    assertThat(atc.acquire(p1, 0x1000)).as("removed on receipt").isNull();
    assertThat(completions).hasValue(0);
    CompletableFuture.runAsync(() -> atc.release(e)).get(5, TimeUnit.SECONDS);
    assertThat(completions).hasValue(1);
    assertThat(atc.outstandingInvalidations()).isZero();
  }

  @Test
  void queueDepthBusyStillRemoves() {
    for (int i = 0; i < 3; i++) {
      cache(p1, 0x1000L * (i + 1), 0x1000, 0, false);
    }
    Atc.Entry a = atc.acquire(p1, 0x1000);
    Atc.Entry b = atc.acquire(p1, 0x3000);
    assertThat(atc.invalidate(1, false, 0x1000, 0x1fff, 1, () -> {})).isEqualTo(Atc.InvalidateOutcome.PENDING);
    assertThat(atc.invalidate(1, false, 0x3000, 0x3fff, 1, () -> {})).isEqualTo(Atc.InvalidateOutcome.BUSY);
    assertThat(atc.acquire(p1, 0x3000)).isNull();
    atc.release(b); // no completion belongs to it
    atc.release(a);
    assertThat(atc.outstandingInvalidations()).isZero();
    assertThat(atc.size()).isEqualTo(1);
  }

  @Test
  void aRepeatedInvalidationWaitsForTheAccessTheFirstOneRemovedTheEntryUnder() {
    cache(p1, 0x1000, 0x1000, 0x9000, false);
    Atc.Entry e = atc.acquire(p1, 0x1000);
    AtomicInteger first = new AtomicInteger(), second = new AtomicInteger(), third = new AtomicInteger();
    assertThat(atc.invalidate(1, false, 0x1000, 0x1fff, 2, first::incrementAndGet))
        .isEqualTo(Atc.InvalidateOutcome.PENDING);
    // the same page again, and a wider no-PASID one: nothing left to remove, but the access still runs
    assertThat(atc.invalidate(1, false, 0x1000, 0x1fff, 2, second::incrementAndGet))
        .isEqualTo(Atc.InvalidateOutcome.PENDING);
    assertThat(atc.outstandingInvalidations()).isEqualTo(2);
    assertThat(atc.invalidate(-1, false, 0, -1L, 2, third::incrementAndGet))
        .as("a third beyond the queue depth of 2").isEqualTo(Atc.InvalidateOutcome.BUSY);
    assertThat(first.get() + second.get() + third.get()).isZero();
    atc.release(e);
    assertThat(first).hasValue(1);
    assertThat(second).hasValue(1);
    assertThat(third).as("EBUSY: never completed").hasValue(0);
    assertThat(atc.outstandingInvalidations()).isZero();
    assertThat(atc.draining()).isZero();
  }

  @Test
  void anInvalidationWaitsForEntriesRemovedByAFlushOrAReplacement() {
    cache(p1, 0x1000, 0x1000, 0x9000, false);
    cache(p2, 0x1000, 0x1000, 0xa000, false);
    Atc.Entry flushed = atc.acquire(p1, 0x1000);
    Atc.Entry replaced = atc.acquire(p2, 0x1000);
    atc.flush(s -> s.equals(p1)); // e.g. PASID disable
    cache(p2, 0x1000, 0x1000, 0xb000, false); // a newer translation replaces the busy entry
    assertThat(atc.draining()).isEqualTo(2);
    AtomicInteger p1Done = new AtomicInteger(), p2Done = new AtomicInteger(), outOfScope = new AtomicInteger();
    assertThat(atc.invalidate(1, false, 0x1000, 0x1fff, 4, p1Done::incrementAndGet))
        .isEqualTo(Atc.InvalidateOutcome.PENDING);
    assertThat(atc.invalidate(2, false, 0x1000, 0x1fff, 4, p2Done::incrementAndGet))
        .isEqualTo(Atc.InvalidateOutcome.PENDING);
    assertThat(atc.invalidate(1, false, 0x2000, 0x2fff, 4, outOfScope::incrementAndGet))
        .as("another page").isEqualTo(Atc.InvalidateOutcome.COMPLETE);
    atc.release(replaced);
    assertThat(p2Done).hasValue(1);
    assertThat(p1Done).hasValue(0);
    atc.release(flushed);
    assertThat(p1Done).hasValue(1);
    assertThat(atc.size()).as("the newer p2 entry, removed by the p2 invalidation").isZero();
  }

  @Test
  void scopes() {
    cache(Space.NONE, 0x1000, 0x1000, 0, false);
    cache(p1, 0x1000, 0x1000, 0, false);
    cache(p2, 0x1000, 0x1000, 0, false);
    cache(p2, 0x8000, 0x1000, 0, true); // global, from PASID 2
    atc.invalidate(1, false, 0, -1L, 4, () -> {});
    assertThat(atc.size()).isEqualTo(3);
    assertThat(atc.acquire(p1, 0x8000)).as("a global entry serves every PASID").isNotNull();
    atc.invalidate(1, true, 0x8000, 0x8fff, 4, () -> {});
    assertThat(atc.size()).isEqualTo(2);
    atc.invalidate(-1, false, 0, 0xfff, 4, () -> {}); // below every entry
    assertThat(atc.size()).isEqualTo(2);
    atc.invalidate(-1, false, 0, -1L, 4, () -> {}); // no PASID: every space
    assertThat(atc.size()).isZero();
  }

  @Test
  void overlappedTranslationIsNotCached() {
    var pending = atc.startTranslation(p1, 0x5000);
    var other = atc.startTranslation(p2, 0x5000);
    atc.invalidate(1, false, 0x4000, 0x7fff, 4, () -> {});
    assertThat(atc.finishTranslation(pending, atc.entry(p1, 0x5000, 0x1000, 0, 3, false))).isFalse();
    assertThat(atc.finishTranslation(other, atc.entry(p2, 0x5000, 0x1000, 0, 3, false))).isTrue();
    atc.flush(Space::tagged);
    assertThat(atc.size()).isZero();
  }

  @Test
  void unmappingTheTranslatedSpaceDropsEntriesPointingIntoIt() {
    cache(p1, 0x1000, 0x1000, 0x10_0000, false);
    cache(p1, 0x2000, 0x1000, 0x20_0000, false);
    atc.dropTranslated(0x10_0000, 0x10_0fff);
    assertThat(atc.acquire(p1, 0x1000)).isNull();
    assertThat(atc.acquire(p1, 0x2000)).isNotNull();
  }
}

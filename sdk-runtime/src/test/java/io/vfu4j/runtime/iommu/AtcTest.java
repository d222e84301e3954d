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

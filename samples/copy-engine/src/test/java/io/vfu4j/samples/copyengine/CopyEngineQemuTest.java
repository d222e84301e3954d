package io.vfu4j.samples.copyengine;

import static io.vfu4j.samples.copyengine.CopyEngineDevice.IOMMU_STATE;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfu4j.host.GuestMemory;
import io.vfu4j.samples.copyengine.CopyEngineDriver.Completion;
import io.vfu4j.samples.copyengine.CopyEngineDriver.Descriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same device under a client that proposes exactly what QEMU upstream does: no IOMMU
 * extension, guest memory pushed with DMA_MAP. Nothing of the extension may go on the wire.
 */
@Timeout(30)
class CopyEngineQemuTest extends CopyEngineFixture {
  static final long RAM = 0x10_0000, RAM_SIZE = 0x10_0000;

  @AfterEach
  void nothingOfTheExtensionWasSent() {
    if (driver != null) {
      assertThat(driver.client().serverCommandsSeen().keySet()).as("server commands").allMatch(c -> c < 100);
    }
  }

  @ParameterizedTest(name = "memory shared by fd: {0}")
  @ValueSource(booleans = {true, false})
  void untaggedCopiesWorkOverPushedMappings(boolean shareFd) throws Exception {
    start(false);
    assertThat(driver.client().negotiatedIommu()).isNull();
    try (GuestMemory ram = driver.client().mapGuestMemory(RAM, RAM_SIZE, shareFd)) {
      byte[] data = pattern(3 * PAGE + 123, 7);
      put(ram, RAM + 0x1010, data);
      Completion c = driver.copy(Descriptor.untagged(RAM + 0x1010, RAM + 0x8020, data.length), 0);
      assertThat(c.status()).isEqualTo(CompletionStatus.SUCCESS);
      assertThat(c.interrupted()).isTrue();
      assertThat(get(ram, RAM + 0x8020, data.length)).isEqualTo(data);
      assertThat(get(ram, RAM + 0x8020 + data.length, 1)).as("nothing beyond the length").containsExactly(0);
      assertThat(driver.client().dmaRequestsServed()).as("DMA_READ/DMA_WRITE messages")
          // chunks end at either page end: 4064, 16, 4080, 16, 4080, 16, 139; first, the layout probe
          .isEqualTo(shareFd ? 0 : 1 + 2L * 7);
    }
  }

  @Test
  void withTheGuestEnablingAtsAndPriUntaggedCopiesStillWork() throws Exception {
    start(false);
    try (GuestMemory ram = driver.client().mapGuestMemory(RAM, RAM_SIZE, true)) {
      driver.enablePasid();
      driver.enableAts(0);
      driver.enablePri(8);
      assertThat(driver.read32(IOMMU_STATE) & 0x7).as("the device sees them enabled").isEqualTo(0x7);
      byte[] data = pattern(PAGE, 8);
      put(ram, RAM, data);
      assertThat(driver.copy(Descriptor.untagged(RAM, RAM + 0x2000, PAGE), 0).status())
          .isEqualTo(CompletionStatus.SUCCESS);
      assertThat(get(ram, RAM + 0x2000, PAGE)).isEqualTo(data);
      // a destination outside every mapping: the runtime's local page request says Invalid Request
      Completion c = driver.copy(Descriptor.untagged(RAM, 0x4000_0000L, 16), 0);
      assertThat(c.status()).isEqualTo(CompletionStatus.PAGE_FAULT_INVALID_REQUEST);
      assertThat(c.faultAddress()).isEqualTo(0x4000_0000L);
    }
  }

  @Test
  void pasidCopiesFailCleanlyWithDmaError() throws Exception {
    start(false);
    try (GuestMemory ram = driver.client().mapGuestMemory(RAM, RAM_SIZE, true)) {
      driver.enablePasid();
      driver.enableAts(0);
      driver.enablePri(8);
      put(ram, RAM, pattern(64, 9));
      Completion c = driver.copy(Descriptor.inPasid(1, RAM, RAM + 0x2000, 64), 0);
      assertThat(c.status()).isEqualTo(CompletionStatus.DMA_ERROR);
      assertThat(c.faultAddress()).isEqualTo(RAM);
      assertThat(c.bytes()).isZero();
      assertThat(c.interrupted()).isTrue();
      assertThat(get(ram, RAM + 0x2000, 64)).as("PASID traffic never aliases the untagged space").containsOnly(0);
      assertThat(driver.copy(Descriptor.untagged(RAM, RAM + 0x2000, 64), 0).status())
          .as("the engine goes on").isEqualTo(CompletionStatus.SUCCESS);
    }
  }

  @Test
  void unmappedMemoryWithoutAtsIsADmaError() throws Exception {
    start(false);
    Completion c = driver.copy(Descriptor.untagged(0x9000_0000L, RAM, 16), 0);
    assertThat(c.status()).isEqualTo(CompletionStatus.DMA_ERROR);
    assertThat(c.faultAddress()).isEqualTo(0x9000_0000L);
  }

  @Test
  void withoutBusMasteringNothingMoves() throws Exception {
    start(false);
    try (GuestMemory ram = driver.client().mapGuestMemory(RAM, RAM_SIZE, true)) {
      put(ram, RAM, pattern(64, 10));
      driver.client().writeConfig16(0x04, 0x2); // memory decoding only
      assertThat(driver.copy(Descriptor.untagged(RAM, RAM + 0x2000, 64), 0).status())
          .isEqualTo(CompletionStatus.DMA_ERROR);
      assertThat(get(ram, RAM + 0x2000, 64)).containsOnly(0);
    }
  }
}
